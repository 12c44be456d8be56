package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RawH2;
import dev.ferry.router.testing.RouterProcess;
import dev.ferry.router.testing.StreamingBackend;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

/**
 * SIGTERM to the packaged router with requests in flight, on each transport: not ready first, stop accepting, finish
 * the requests, exit 0.
 */
class GracefulShutdownIT {
    static StreamingBackend legacy;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() {
        legacy = new StreamingBackend("legacy");
    }

    @AfterAll
    static void stopBackend() {
        legacy.close();
    }

    private RouterProcess startRouter() {
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        RouterProcess router = RouterProcess.start(
                dir,
                "128m",
                Map.of(
                        "backends.legacy.url",
                        legacy.url(),
                        "backends.new.url",
                        legacy.url(),
                        "flags.source",
                        "file",
                        "flags.file",
                        flags.path().toString(),
                        "shutdown.drain-delay",
                        "1s",
                        "shutdown.timeout",
                        "10s"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> router.admin("/health/ready").statusCode() == 200);
        return router;
    }

    // Both transports once Reactor Netty's requests are waited for: widen the source and drop the disabled test.
    @ParameterizedTest
    @EnumSource(value = ClientProtocol.class, names = "HTTP_1_1")
    void finishesInFlightRequestsOnSigtermAfterReportingNotReady(ClientProtocol protocol) throws Exception {
        assertFinishesInFlightRequestsOnSigterm(protocol);
    }

    @Test
    void finishesInFlightRequestsOnSigtermAfterReportingNotReadyOverH2c() throws Exception {
        assertFinishesInFlightRequestsOnSigterm(ClientProtocol.H2C);
    }

    private void assertFinishesInFlightRequestsOnSigterm(ClientProtocol protocol) throws Exception {
        try (RouterProcess router = startRouter()) {
            int started = legacy.requestsStarted();
            // Both outlast the drain delay; the longer one keeps the admin port up while the first is counted.
            Mono<String> inFlight = slow(router, protocol, 1500);
            Mono<String> longer = slow(router, protocol, 3000);
            inFlight.subscribe();
            longer.subscribe();
            await().atMost(Duration.ofSeconds(5)).until(() -> legacy.requestsStarted() >= started + 2);

            router.terminate();

            await().atMost(Duration.ofSeconds(5))
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/ready").statusCode() == 503);
            assertThat(inFlight.block(Duration.ofSeconds(10))).isEqualTo("done");
            router.assertServedBy(protocol.servedBy(), 1);
            assertThat(longer.block(Duration.ofSeconds(10))).isEqualTo("done");
            assertThat(router.process().waitFor(20, TimeUnit.SECONDS))
                    .as("router log:\n%s", router.log())
                    .isTrue();
            assertThat(router.log()).contains("Shutting down", "Ferry stopped");
            assertThat(router.process().exitValue())
                    .as("a drained stop is a clean one, not the JVM's 143")
                    .isZero();
            Throwable refused = router.client(protocol, "acme")
                    .get()
                    .uri("/slow")
                    .response()
                    .map(r -> (Throwable) null)
                    .onErrorResume(e -> Mono.just(e))
                    .block(Duration.ofSeconds(10));
            assertThat(refused).hasRootCauseInstanceOf(ConnectException.class);
        }
    }

    @Test
    void duringTheDrainDelayHttp1ClientsAreServedAndToldToReconnect() throws Exception {
        try (RouterProcess router = startRouter();
                Socket keptAlive = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
            keptAlive.setSoTimeout(10_000);
            assertThat(exchange(keptAlive)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
            Mono<String> longer = slow(router, ClientProtocol.HTTP_1_1, 4000); // keeps the router up past the checks
            longer.subscribe();

            router.terminate();
            await().atMost(Duration.ofSeconds(5))
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/ready").statusCode() == 503);

            // Within the drain delay: a connection from before is served and closed after its response
            assertThat(exchange(keptAlive)).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
            assertThat(keptAlive.getInputStream().read())
                    .as("closed after the response")
                    .isEqualTo(-1);
            // and a new connection (a load balancer that has not seen the replica not ready) is still taken
            try (Socket late = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
                late.setSoTimeout(10_000);
                assertThat(exchange(late)).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
            }
            assertThat(longer.block(Duration.ofSeconds(10))).isEqualTo("done");
            assertThat(router.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(router.process().exitValue()).isZero();
        }
    }

    @Test
    void onSigtermAnHttp2ConnectionGetsAGracefulGoawayAndItsOpenStreamFinishes() throws Exception {
        try (RouterProcess router = startRouter();
                RawH2 h2 = RawH2.connect(router.port(), 0)) {
            int started = legacy.requestsStarted();
            h2.write(RawH2.frame(
                    RawH2.HEADERS,
                    RawH2.END_HEADERS | RawH2.END_STREAM,
                    1,
                    RawH2.requestHeaders(false, "/slow?ms=2500", "x-tenant-id", "acme")));
            await().atMost(Duration.ofSeconds(5)).until(() -> legacy.requestsStarted() > started);

            router.terminate();

            RawH2.Frame goAway = h2.readUntil(RawH2.GOAWAY, 20);
            assertThat(goAway).as("a GOAWAY before the connection ends").isNotNull();
            assertThat(goAway.errorCode()).as("NO_ERROR").isZero();
            assertThat(ByteBuffer.wrap(goAway.payload()).getInt() & 0x7fffffff)
                    .as("last stream id: the open one may finish")
                    .isEqualTo(1);
            List<RawH2.Frame> rest = h2.readUntil(f -> f.stream() == 1 && (f.flags() & RawH2.END_STREAM) != 0, 50);
            assertThat(rest)
                    .as("stream 1 answered in full after the GOAWAY")
                    .anySatisfy(f -> assertThat(f.type()).isEqualTo(RawH2.HEADERS))
                    .last()
                    .satisfies(f -> assertThat(f.flags() & RawH2.END_STREAM).isNotZero());
            assertThat(router.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(router.process().exitValue()).isZero();
        }
    }

    /** One GET of tenant acme on the socket (answered at once); the response head (the body is read and dropped). */
    private static String exchange(Socket socket) throws Exception {
        socket.getOutputStream()
                .write("GET /slow?ms=0 HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readFully(new byte[Integer.parseInt(length.group(1))]);
        } else { // chunked: up to the last chunk
            StringBuilder body = new StringBuilder();
            while (!body.toString().endsWith("0\r\n\r\n")) {
                body.append((char) in.readUnsignedByte());
            }
        }
        return head.toString();
    }

    private static Mono<String> slow(RouterProcess router, ClientProtocol protocol, int ms) {
        return router.client(protocol, "acme")
                .get()
                .uri("/slow?ms=" + ms)
                .responseSingle((response, content) -> content.asString())
                .cache();
    }
}
