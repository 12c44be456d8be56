package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RouterProcess;
import dev.ferry.router.testing.StreamingBackend;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    private static Mono<String> slow(RouterProcess router, ClientProtocol protocol, int ms) {
        return router.client(protocol, "acme")
                .get()
                .uri("/slow?ms=" + ms)
                .responseSingle((response, content) -> content.asString())
                .cache();
    }
}
