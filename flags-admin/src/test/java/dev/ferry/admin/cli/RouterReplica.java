package dev.ferry.admin.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * One replica of the packaged router ({@code router/target/ferry-router.jar}) in a JVM of its own, routing from a flags
 * file, on free loopback ports; stopped with SIGTERM.
 */
final class RouterReplica implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int adminPort;

    private RouterReplica(Process process, Path log, int adminPort) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
    }

    /** Starts a replica on {@code flagsFile} and waits until it is ready. */
    static RouterReplica start(Path dir, Path flagsFile) throws IOException {
        Path jar = Path.of(System.getProperty("ferry.routerJar", "../router/target/ferry-router.jar"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist (expected: the packaged router; build it first with"
                    + " ./mvnw -pl router package -DskipTests, or run ./mvnw verify from the root)");
        }
        Files.createDirectories(dir);
        int adminPort = freePort();
        Path config = dir.resolve("ferry.yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "listen.host: 127.0.0.1",
                        "listen.port: " + freePort(),
                        "admin.host: 127.0.0.1",
                        "admin.port: " + adminPort,
                        "backends.legacy.url: http://127.0.0.1:9",
                        "backends.new.url: http://127.0.0.1:9",
                        "flags.source: file",
                        "flags.file: " + flagsFile,
                        "flags.held-file: " + dir.resolve("held.json"),
                        "shutdown.drain-delay: 0s",
                        ""),
                StandardCharsets.UTF_8);
        Path log = dir.resolve("router.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-XX:TieredStopAtLevel=1",
                        "-jar",
                        jar.toString(),
                        "--config",
                        config.toString()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // The router rejects FERRY_* variables it does not know, and a known one would override the config file.
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        RouterReplica replica = new RouterReplica(builder.start(), log, adminPort);
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(replica.adminUrl().resolve("/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .failFast("the router exited; its log:\n" + replica.log(), () -> !replica.process.isAlive())
                .ignoreExceptions()
                .until(() -> client.send(ready, HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200);
        return replica;
    }

    URI adminUrl() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
