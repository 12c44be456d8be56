package dev.ferry.loadtest;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged router ({@code router/target/ferry-router.jar}) running {@code --demo} in a directory of its own, so its
 * {@code ferry-demo/flags.json} is this test's, on free loopback ports (a {@code --config} file sets
 * {@code listen.port} and {@code admin.port}), in a JVM of its own; stopped with SIGTERM.
 */
final class DemoRouter implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;
    private final int adminPort;

    private DemoRouter(Process process, Path dir, int port, int adminPort) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.adminPort = adminPort;
    }

    /** Starts the router and waits until it is ready (flag state loaded). */
    static DemoRouter start(Path dir) throws IOException, InterruptedException {
        return start(dir, Map.of());
    }

    /**
     * Starts the router with more configuration ({@code shadow.max-rate: 20}, ...) and waits until it is ready. A
     * {@code ferry-demo/flags.json} already in {@code dir} is the one it reads: the demo writes its own only when there
     * is none.
     */
    static DemoRouter start(Path dir, Map<String, String> extraConfig) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("ferry.routerJar", "../router/target/ferry-router.jar"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist (expected: the packaged router; build it first with"
                    + " ./mvnw -pl router package -DskipTests, or run ./mvnw verify from the root)");
        }
        int port = freePort();
        int adminPort = freePort();
        Path config = dir.resolve("ferry.yaml");
        StringBuilder yaml = new StringBuilder("listen.port: " + port + "\nadmin.port: " + adminPort + "\n");
        extraConfig.forEach(
                (key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
        Files.writeString(config, yaml, StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--demo",
                        "--demo-ports",
                        "0,0",
                        "--config",
                        config.toString()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("router.log").toFile());
        // The router rejects FERRY_* variables it does not know, and a known one would override the config file.
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        DemoRouter router = new DemoRouter(builder.start(), dir, port, adminPort);
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(router.adminUrl() + "/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("the router exited; its log:\n" + router.log(), () -> !router.process.isAlive())
                    .ignoreExceptions()
                    .until(() -> client.send(ready, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200);
            // One request through each backend, as a person would try the demo: the first request on a fresh JVM
            // pays for class loading and connection set-up, which a run's first second should not measure.
            for (String tenant : List.of("acme", "globex")) {
                HttpRequest hello = HttpRequest.newBuilder(URI.create(router.baseUrl() + "/hello"))
                        .header("X-Tenant-Id", tenant)
                        .timeout(Duration.ofSeconds(10))
                        .build();
                int status = client.send(hello, HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status != 200) {
                    throw new IllegalStateException("GET /hello for " + tenant + " answered " + status
                            + " (expected: 200); the router's log:\n" + router.log());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            router.close();
            throw e;
        }
        return router;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    String adminUrl() {
        return "http://127.0.0.1:" + adminPort;
    }

    /** The demo's flags file, which the router reads every second. */
    Path flagsFile() {
        return dir.resolve("ferry-demo").resolve("flags.json");
    }

    String log() {
        try {
            return Files.readString(dir.resolve("router.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, as an operator stops it; SIGKILL if it has not exited 20 s later. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
