package dev.ferry.router.forwarding;

import dev.ferry.router.config.ForwardingConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Header rewriting as the fast path does it, for a browser-like request (12 headers, a hop-by-hop one and a spoofed
 * {@code X-Forwarded-For} among them) and a typical response: toward the backend into fresh headers, toward the
 * client in place. Run:
 * {@code ./mvnw -pl router -Pjmh test-compile -Djmh.args="HeaderRewriting -f 1 -wi 3 -w 1s -i 5 -r 1s"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderRewritingBenchmark {
    private static final HttpHeadersFactory TRUSTED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final ProxyHeaders headers =
            new ProxyHeaders(new ForwardingConfig("X-Ferry-Backend", "X-Tenant-Id", false, false));
    private final TenantId tenant = new TenantId("acme");
    private HttpHeaders request;

    @Setup(Level.Trial)
    public void requestHeaders() {
        request = new DefaultHttpHeaders()
                .add("Host", "api.example.com")
                .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
                .add("Accept", "application/json")
                .add("Accept-Encoding", "gzip, deflate, br")
                .add("Accept-Language", "en-GB,en;q=0.9")
                .add("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnQiOiJhY21lIn0.c2lnbmF0dXJl")
                .add("Cookie", "session=0123456789abcdef; theme=dark")
                .add("X-Tenant-Id", "acme")
                .add("X-Request-Id", "5f0c6a1e-8d7b-4a43-9b0e-2c1d3e4f5a6b")
                .add("X-Forwarded-For", "6.6.6.6")
                .add("Connection", "keep-alive")
                .add("Content-Type", "application/json");
    }

    /** A backend response's headers as Netty's decoder builds them (rewriting in place changes them, so anew). */
    private static HttpHeaders responseHeaders() {
        return new DefaultHttpHeaders()
                .add("Content-Type", "application/json")
                .add("Content-Length", "1234")
                .add("Cache-Control", "no-store")
                .add("Date", "Sun, 22 Nov 2026 00:00:00 GMT")
                .add("Keep-Alive", "timeout=5")
                .add("Connection", "keep-alive");
    }

    @Benchmark
    public HttpHeaders towardTheBackend() {
        HttpHeaders out = TRUSTED.newHeaders();
        headers.toBackend(request, out, tenant, "10.0.0.7", "legacy.internal:8080", "1.1");
        return out;
    }

    /** The baseline for the next: only building the response's headers. */
    @Benchmark
    public HttpHeaders responseHeadersAlone() {
        return responseHeaders();
    }

    /** Building them and rewriting them in place: the difference to the baseline is the rewriting. */
    @Benchmark
    public HttpHeaders towardTheClientInPlace() {
        HttpHeaders response = responseHeaders();
        headers.toClientInPlace(response, Backend.LEGACY);
        return response;
    }
}
