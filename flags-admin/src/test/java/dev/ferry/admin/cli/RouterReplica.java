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
 * file or from the real Unleash, on free loopback ports; stopped with SIGTERM.
 */
public final class RouterReplica implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int adminPort;
    private final int port;

    private RouterReplica(Process process, Path log, int adminPort, int port) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
        this.port = port;
    }

    /** Starts a replica on {@code flagsFile}, in front of no backend, and waits until it is ready. */
    static RouterReplica start(Path dir, Path flagsFile) throws IOException {
        return start(
                dir,
                List.of("backends.legacy.url: http://127.0.0.1:9", "backends.new.url: http://127.0.0.1:9"),
                List.of("flags.source: file", "flags.file: " + flagsFile));
    }

    /** Starts a replica on {@code flagsFile} in front of the two backends, and waits until it is ready. */
    public static RouterReplica onFile(Path dir, Path flagsFile, URI legacy, URI fresh) throws IOException {
        return start(
                dir,
                List.of("backends.legacy.url: " + legacy, "backends.new.url: " + fresh),
                List.of("flags.source: file", "flags.file: " + flagsFile));
    }

    /**
     * Starts a replica on {@code flagsFile} in front of the two backends with more configuration ({@code
     * "shadow.readiness.min-compared: 40"}), and waits until it is ready.
     */
    public static RouterReplica onFile(Path dir, Path flagsFile, URI legacy, URI fresh, List<String> config)
            throws IOException {
        List<String> flags = new java.util.ArrayList<>(List.of("flags.source: file", "flags.file: " + flagsFile));
        flags.addAll(config);
        return start(dir, List.of("backends.legacy.url: " + legacy, "backends.new.url: " + fresh), flags);
    }

    /** Starts a replica on {@code flagsFile} routing by {@code flag}, in front of no backend; waits until ready. */
    static RouterReplica start(Path dir, Path flagsFile, String flag) throws IOException {
        return start(
                dir,
                List.of("backends.legacy.url: http://127.0.0.1:9", "backends.new.url: http://127.0.0.1:9"),
                List.of("flags.source: file", "flags.file: " + flagsFile, "flags.flag-name: " + flag));
    }

    /**
     * Starts a replica polling the real Unleash every second for {@code flag} (project default, environment
     * development: the client token's), in front of the two backends, and waits until it is ready.
     */
    public static RouterReplica onUnleash(Path dir, URI unleash, String flag, URI legacy, URI fresh)
            throws IOException {
        return onUnleash(dir, unleash, flag, legacy, fresh, List.of());
    }

    /** As {@link #onUnleash(Path, URI, String, URI, URI)}, with more configuration ({@code "shadow.flag: ..."}). */
    public static RouterReplica onUnleash(
            Path dir, URI unleash, String flag, URI legacy, URI fresh, List<String> config) throws IOException {
        List<String> flags = new java.util.ArrayList<>(config);
        flags.addAll(List.of(
                "flags.source: unleash",
                "flags.flag-name: " + flag,
                "cutover.window-flag: " + flag + "-window",
                "flags.unleash.url: " + unleash + "/api",
                "flags.unleash.token: \"default:development.unleash-insecure-client-api-token\"",
                "flags.unleash.app-name: flags-admin-test-" + dir.getFileName(),
                "flags.unleash.refresh-interval: 1s",
                "flags.unleash.backup-file: " + dir.resolve("unleash-backup.json")));
        return start(dir, List.of("backends.legacy.url: " + legacy, "backends.new.url: " + fresh), flags);
    }

    /**
     * Starts the replica on free ports; again on others, at most twice more, when a port it was given was taken
     * between choosing it and binding it (another process's outgoing connection may take any free port).
     */
    private static RouterReplica start(Path dir, List<String> backends, List<String> flags) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(dir, backends, flags);
            } catch (RuntimeException e) {
                Throwable cause = e;
                while (cause != null && !(cause instanceof PortTaken)) {
                    cause = cause.getCause();
                }
                if (cause == null || attempt == 3) {
                    throw e; // not a port taken (its log is in the message), or taken three times
                }
            }
        }
    }

    /** The replica exited because a port was taken. */
    private static final class PortTaken extends RuntimeException {
        PortTaken(String log) {
            super("the router could not bind its ports three times; its last log:\n" + log);
        }
    }

    private static RouterReplica startOnce(Path dir, List<String> backends, List<String> flags) throws IOException {
        Path jar = Path.of(System.getProperty("ferry.routerJar", "../router/target/ferry-router.jar"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist (expected: the packaged router; build it first with"
                    + " ./mvnw -pl router package -DskipTests, or run ./mvnw verify from the root)");
        }
        Files.createDirectories(dir);
        int adminPort = freePort();
        int port = freePort();
        Path config = dir.resolve("ferry.yaml");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "listen.host: 127.0.0.1",
                "listen.port: " + port,
                "admin.host: 127.0.0.1",
                "admin.port: " + adminPort,
                "flags.held-file: " + dir.resolve("held.json"),
                "forwarding.served-by-header: X-Ferry-Backend",
                "shutdown.drain-delay: 0s"));
        lines.addAll(backends);
        lines.addAll(flags);
        Files.writeString(config, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
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
        RouterReplica replica = new RouterReplica(builder.start(), log, adminPort, port);
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(replica.adminUrl().resolve("/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .failFast(() -> {
                    if (!replica.process.isAlive()) {
                        String output = replica.log();
                        if (output.contains("Address already in use")) {
                            throw new PortTaken(output);
                        }
                        throw new AssertionError("the router exited; its log:\n" + output);
                    }
                })
                .ignoreExceptions()
                .until(() -> client.send(ready, HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200);
        return replica;
    }

    public URI adminUrl() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    /** Where clients send requests. */
    public URI proxyUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Sends {@code requests} GETs for {@code tenant} through the router, one after the other.
     *
     * @return the backend that served the last one ({@code X-Ferry-Backend})
     */
    public String send(String tenant, int requests) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        String servedBy = null;
        for (int i = 0; i < requests; i++) {
            HttpRequest request = HttpRequest.newBuilder(proxyUrl().resolve("/orders"))
                    .header("X-Tenant-Id", tenant)
                    .timeout(Duration.ofSeconds(5))
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the router answered " + response.statusCode() + " for tenant " + tenant
                        + ": " + response.body());
            }
            servedBy = response.headers().firstValue("X-Ferry-Backend").orElse(null);
        }
        return servedBy;
    }

    public String log() {
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
