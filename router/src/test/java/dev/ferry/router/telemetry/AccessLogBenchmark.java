package dev.ferry.router.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.router.config.AccessLogConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.pipeline.Admission;
import dev.ferry.router.pipeline.Outcome;
import dev.ferry.router.pipeline.Refusal;
import dev.ferry.router.pipeline.RequestHead;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The access log's cost per request, on each side of its queue: on the event loop, the record made from the exchange's
 * outcome and handed over; on the writer's thread, the JSON line. Run:
 * {@code ./mvnw -pl router -Pjmh test-compile -Djmh.args="AccessLog -f 1 -wi 3 -w 1s -i 5 -r 1s"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessLogBenchmark {
    private Outcome outcome;
    private AccessRecord record;
    private AccessLog log;
    private ByteArrayOutputStream line;
    private JsonGenerator json;

    @Setup(Level.Trial)
    public void exchange() throws IOException {
        RequestHead head = new RequestHead(
                Transport.FAST,
                HttpVersion.HTTP_1_1,
                HttpMethod.GET,
                "/orders?id=7",
                new DefaultHttpHeaders()
                        .add("Host", "api.example.com")
                        .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
                        .add("Accept", "application/json")
                        .add("X-Tenant-Id", "acme")
                        .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                System.nanoTime() - 1_000_000,
                new InetSocketAddress("10.0.0.9", 50123));
        Admission.Refused refused = new Admission.Refused(
                head, new TenantId("acme"), Backend.NEW, new Refusal(ProxyFailure.BREAKER_OPEN, "open"));
        outcome = new Outcome(
                refused, 503, ProxyFailure.BREAKER_OPEN, false, 0, 120, head.startNanos() + 500_000, System.nanoTime());
        record = outcome.accessRecord("42");
        log = AccessLog.writingTo(
                new AccessLogConfig(true, 1, Optional.empty(), 1_000_000), OutputStream.nullOutputStream());
        line = new ByteArrayOutputStream(1024);
        json = new JsonFactory().setRootValueSeparator(null).createGenerator(line);
    }

    @TearDown(Level.Trial)
    public void close() {
        log.close();
    }

    /** On the event loop: the record, its header values copied. */
    @Benchmark
    public AccessRecord recordFromOutcome() {
        return outcome.accessRecord("42");
    }

    /** On the event loop: the record and its hand-over (dropped when the writer falls behind: as cheap or cheaper). */
    @Benchmark
    public void recordAndOffer() {
        log.offer(outcome.accessRecord("42"));
    }

    /** On the writer's thread: one JSON line. */
    @Benchmark
    public int jsonLine() throws IOException {
        line.reset();
        AccessLogFormat.write(record, json);
        json.flush();
        return line.size();
    }
}
