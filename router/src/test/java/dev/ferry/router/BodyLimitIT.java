package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A request body larger than {@code limits.max-request-body} never reaches a backend as a complete request, on both
 * transports: a declared one is refused before anything is sent, a streamed one (chunked, or HTTP/2 without a length)
 * is cut off when it grows past the limit.
 */
class BodyLimitIT {
    private static final int LIMIT = 64 * 1024;

    @TempDir
    static Path dir;

    private static Backends backends;
    private static RunningRouter router;

    @BeforeAll
    static void start() {
        backends = new Backends();
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(new FlagsFile(dir).tenantsOnNew("acme").config());
        config.put("limits.max-request-body", "64k");
        router = RunningRouter.startReady(config);
    }

    @AfterAll
    static void stop() {
        router.close();
        backends.close();
    }

    @BeforeEach
    void reset() {
        backends.reset();
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesADeclaredBodyOverTheLimitBeforeSendingAnything(ClientProtocol protocol) {
        warmUp(protocol);
        router.countExchangesFromHere();

        HttpResponse<String> response =
                router.send(protocol, post(HttpRequest.BodyPublishers.ofByteArray(new byte[LIMIT + 1])));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("body_too_large");
        assertThat(response.body()).contains("larger than limits.max-request-body, 64k (65537 bytes declared)");
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void cutsOffAStreamedBodyThatGrowsPastTheLimitSoTheBackendNeverSeesItComplete(ClientProtocol protocol) {
        warmUp(protocol);
        router.countExchangesFromHere();

        HttpResponse<String> response = router.send(protocol, post(streamed(4 * LIMIT)));
        HttpResponse<String> small = router.send(protocol, post(streamed(LIMIT / 2)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("body_too_large");
        assertThat(response.body()).contains("more than that streamed");
        assertThat(small.statusCode()).as("a streamed body within the limit").isEqualTo(200);
        assertThat(backends.of(Backend.NEW).getAllServeEvents())
                .as("only the one within the limit reached the backend complete")
                .hasSize(1);
        assertThat(router.metrics()).contains("outcome=\"body_too_large\"");
    }

    @Test
    void aClientStillSendingTheBodyItWasRefusedGetsTheWholeAnswerAndAnOrderlyClose() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), router.router().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /uploads HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\nContent-Length: "
                            + 100 * LIMIT + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 16; i++) {
                out.write(new byte[LIMIT]); // the client goes on sending, a megabyte, before it reads
            }

            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 413").contains("body_too_large");
            // Ferry ended its side after the answer and reads what still comes: no reset for a client that is
            // still writing (a reset could have destroyed the answer before the client read it)
            for (int i = 0; i < 2; i++) {
                out.write(new byte[LIMIT]);
            }
            out.flush();
        }
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
    }

    /** An h2c connection starts with an upgrade, whose body the router caps: the real requests go over HTTP/2. */
    private static void warmUp(ClientProtocol protocol) {
        assertThat(router.get(protocol, "acme", "/warm-up").statusCode()).isEqualTo(200);
        backends.reset();
    }

    private static HttpRequest post(HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(router.uri("/uploads"))
                .header("X-Tenant-Id", "acme")
                .timeout(Duration.ofSeconds(20))
                .POST(body)
                .build();
    }

    /** A body without a declared length: chunked over HTTP/1.1, DATA frames alone over HTTP/2. */
    private static HttpRequest.BodyPublisher streamed(int size) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[size]));
    }
}
