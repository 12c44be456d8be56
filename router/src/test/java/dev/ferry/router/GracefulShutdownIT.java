package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import reactor.core.publisher.Mono;

/** SIGTERM to the packaged router with a request in flight: not ready first, stop accepting, finish the request. */
class GracefulShutdownIT {
    static StreamingBackend legacy;
    static RouterProcess router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        legacy = new StreamingBackend("legacy");
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        router = RouterProcess.start(
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
    }

    @AfterAll
    static void stop() {
        router.close();
        legacy.close();
    }

    @Test
    void finishesInFlightRequestsOnSigtermAfterReportingNotReady() throws Exception {
        int started = legacy.requestsStarted();
        Mono<String> inFlight = router.client("acme")
                .get()
                .uri("/slow")
                .responseSingle((response, content) -> content.asString())
                .cache();
        inFlight.subscribe();
        await().atMost(Duration.ofSeconds(5)).until(() -> legacy.requestsStarted() > started);

        router.terminate();

        await().atMost(Duration.ofSeconds(5))
                .ignoreExceptions()
                .until(() -> router.admin("/health/ready").statusCode() == 503);
        assertThat(inFlight.block(Duration.ofSeconds(10))).isEqualTo("done");
        assertThat(router.process().waitFor(20, TimeUnit.SECONDS))
                .as("router log:\n%s", router.log())
                .isTrue();
        assertThat(router.log()).contains("Shutting down", "Ferry stopped");
        Throwable refused = router.client("acme")
                .get()
                .uri("/slow")
                .response()
                .map(r -> (Throwable) null)
                .onErrorResume(e -> Mono.just(e))
                .block(Duration.ofSeconds(10));
        assertThat(refused).hasRootCauseInstanceOf(ConnectException.class);
    }
}
