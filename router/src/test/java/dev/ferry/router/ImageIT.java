package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.Podman;
import dev.ferry.router.testing.RouterContainer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ferry's container image, built as a user builds it ({@code deploy/image/build.sh}: the Debian base, Jib, podman
 * load) and run under podman as a fleet runs it: as an unprivileged user, ready on its admin port, draining on
 * {@code podman stop}. Jib runs alone, on the classes this build compiled ({@code IMAGE_JIB_ONLY}), so the image holds
 * the code under test; the first run also builds the base (about a minute, plus Debian's downloads).
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE =
            "localhost/ferry-router-it:" + UUID.randomUUID().toString().substring(0, 8);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    /** podman stop's grace period, as a pod's terminationGracePeriodSeconds. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    @BeforeAll
    static void buildImage() {
        Podman.requireUsable();
        List<String> command = new ArrayList<>(List.of("deploy/image/build.sh"));
        if (Boolean.getBoolean("ferry.maven.offline")) {
            command.add("-o");
        }
        String loaded = Podman.run(command, Map.of("IMAGE_NAME", IMAGE, "IMAGE_JIB_ONLY", "1"), BUILD_TIMEOUT)
                .orFail("deploy/image/build.sh");
        assertThat(loaded).endsWith(IMAGE);
    }

    @AfterAll
    static void removeImage() {
        Podman.run(Duration.ofSeconds(60), "rmi", "--force", IMAGE);
    }

    @Test
    void carriesItsVersionAndCommitAndRunsAsAnUnprivilegedUserWithBothPortsExposed() throws Exception {
        JsonNode config = JSON.readTree(
                Podman.run(Duration.ofSeconds(60), "image", "inspect", "--format", "{{json .Config}}", IMAGE)
                        .orFail("podman image inspect"));

        JsonNode labels = config.path("Labels");
        assertThat(labels.path("org.opencontainers.image.version").asText())
                .isEqualTo(System.getProperty("ferry.version"));
        assertThat(labels.path("org.opencontainers.image.revision").asText()).startsWith(headCommit());
        assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("Ferry router");
        assertThat(config.path("User").asText()).isEqualTo("65532:65532");
        assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(config.path("ExposedPorts").has("9901/tcp")).isTrue();
        assertThat(config.path("Env").toString()).contains("FERRY_ADMIN_HOST=0.0.0.0");
        assertThat(config.path("Entrypoint").toString())
                .startsWith("[\"java\",")
                .contains("-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "dev.ferry.router.RouterMain");
    }

    @Test
    void routesByTenantAndTurnsReadyRunningAsItsUnprivilegedUser() {
        try (RouterContainer router = RouterContainer.startDemo(IMAGE)) {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/ready").statusCode() == 200);

            HttpResponse<String> acme = router.get("acme", "/hello");
            HttpResponse<String> globex = router.get("globex", "/hello");

            assertThat(acme.statusCode()).isEqualTo(200);
            assertThat(acme.headers().firstValue("X-Ferry-Backend")).hasValue("legacy");
            assertThat(acme.body()).contains("\"backend\":\"legacy\"", "\"tenant\":\"acme\"");
            assertThat(globex.headers().firstValue("X-Ferry-Backend")).hasValue("new");
            assertThat(router.exec("id", "-u")).as("the router's uid").isEqualTo("65532");
            assertThat(router.exec("stat", "-c", "%u", "ferry-demo/flags.json"))
                    .as("the demo's flags file, written in the working directory by the router's user")
                    .isEqualTo("65532");
        }
    }

    @Test
    void finishesARequestInFlightAndExitsZeroWhenStoppedBySigterm() throws Exception {
        try (RouterContainer router = RouterContainer.startDemo(IMAGE)) {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/ready").statusCode() == 200);
            // An upload that is still arriving: the demo backend answers once the whole body is in.
            byte[] half = "x".repeat(4096).getBytes(StandardCharsets.US_ASCII);
            SubmissionPublisher<ByteBuffer> body = new SubmissionPublisher<>();
            CompletableFuture<HttpResponse<String>> upload = ClientProtocol.HTTP_1_1
                    .jdkClient()
                    .sendAsync(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/upload"))
                                    .header("X-Tenant-Id", "acme")
                                    .POST(HttpRequest.BodyPublishers.fromPublisher(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> body.getNumberOfSubscribers() > 0);
            body.submit(ByteBuffer.wrap(half));
            await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> router.legacy("/metrics").body().contains("legacy_requests_total{via=\"ferry\"} 1"));

            CompletableFuture<Duration> stopped = router.stop(GRACE);

            await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/ready").statusCode() == 503);
            body.submit(ByteBuffer.wrap(half));
            body.close();
            HttpResponse<String> response = upload.get(GRACE.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"backend\":\"legacy\"", "\"bodyBytes\":" + 2 * half.length);
            Duration took = stopped.get(GRACE.toSeconds() + 10, TimeUnit.SECONDS);
            assertThat(router.exitCode())
                    .as("exit code after podman stop; log:\n%s", router.logs())
                    .isZero();
            assertThat(took).as("podman stop, against its grace of %s", GRACE).isLessThan(GRACE.dividedBy(3));
            assertThat(router.logs()).contains("Shutting down", "Ferry stopped").doesNotContain("still in flight");
        }
    }

    /** The commit the image is labelled with: build.sh asks git the same ("unknown" outside a clone). */
    private static String headCommit() {
        Podman.Result head = Podman.run(List.of("git", "rev-parse", "HEAD"), Map.of(), Duration.ofSeconds(30));
        return head.exitCode() == 0 ? head.output().trim() : "unknown";
    }
}
