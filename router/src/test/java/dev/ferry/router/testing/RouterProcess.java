package dev.ferry.router.testing;

import static org.awaitility.Awaitility.await;

import dev.ferry.router.exchange.Transport;
import dev.ferry.router.metrics.RouterMeters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The packaged router ({@code target/ferry-router.jar}, built by {@code package} before the integration tests) in a
 * JVM of its own, with the heap a test chooses, configured by a YAML file, stopped with SIGTERM.
 */
public final class RouterProcess implements AutoCloseable {
    /** A sample of {@code ferry.transport.exchanges} in the Prometheus text: its transport and its count. */
    private static final Pattern EXCHANGES = Pattern.compile("(?m)^"
            + Pattern.quote(
                    RouterMeters.TRANSPORT_EXCHANGES.replace('.', '_') + "_total{" + RouterMeters.TAG_TRANSPORT + "=\"")
            + "(\\w+)\"} (\\S+)$");

    private final Process process;
    private final Path log;
    private final int port;
    private final int adminPort;
    private final TransportExchanges exchanges;

    private RouterProcess(Process process, Path log, int port, int adminPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.adminPort = adminPort;
        this.exchanges = new TransportExchanges(this::exchangeCounts);
    }

    /** Starts the router and waits until it answers on its admin port. */
    public static RouterProcess start(Path dir, String maxHeap, Map<String, String> config) {
        return start(dir, maxHeap, config, 0);
    }

    /**
     * With an open-files limit ({@code ulimit -n}, soft and hard, set by util-linux's {@code prlimit}) when
     * {@code openFilesLimit} is above 0.
     */
    public static RouterProcess start(Path dir, String maxHeap, Map<String, String> config, int openFilesLimit) {
        try {
            int port = freePort();
            int adminPort = freePort();
            String yaml = config.entrySet().stream()
                    .map(e -> e.getKey() + ": \"" + e.getValue() + "\"")
                    .collect(Collectors.joining("\n"));
            yaml += "\nlisten.host: \"127.0.0.1\"\nlisten.port: " + port + "\nadmin.port: " + adminPort + "\n";
            Path configFile = dir.resolve("ferry.yaml");
            Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
            Path log = dir.resolve("router.log");
            Path jar = Path.of("target", "ferry-router.jar").toAbsolutePath();
            List<String> command = new java.util.ArrayList<>();
            if (openFilesLimit > 0) {
                command.addAll(List.of("prlimit", "--nofile=" + openFilesLimit + ":" + openFilesLimit, "--"));
            }
            command.addAll(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + maxHeap,
                    "-XX:MaxDirectMemorySize=" + maxHeap,
                    "-jar",
                    jar.toString(),
                    "--config",
                    configFile.toString()));
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            RouterProcess router = new RouterProcess(process, log, port, adminPort);
            await().atMost(Duration.ofSeconds(30))
                    .failFast("the router process exited; its log:\n" + router.log(), () -> !process.isAlive())
                    .ignoreExceptions()
                    .until(() -> router.admin("/health/live").statusCode() == 200);
            return router;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public java.net.http.HttpResponse<String> admin(String path) {
        return RunningRouter.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5))
                .build());
    }

    /** A Reactor Netty client aimed at the router over {@code protocol}, naming the tenant in {@code X-Tenant-Id}. */
    public reactor.netty.http.client.HttpClient client(ClientProtocol protocol, String tenant) {
        return protocol.reactorClient()
                .port(port)
                .host("127.0.0.1")
                .headers(h -> h.set("X-Tenant-Id", tenant))
                .responseTimeout(Duration.ofSeconds(60))
                .doOnResponse((response, connection) -> exchanges.answered());
    }

    /** Counts exchanges from here on for the assertions: call it before each test of a router the tests share. */
    public void countExchangesFromHere() {
        exchanges.mark();
    }

    /**
     * Every exchange since the last count started (the router's start, {@link #countExchangesFromHere} or the last
     * assertion) was served by the transport {@code protocol} takes, at least one and no fewer than this router's
     * clients got answers to; then counts anew. Reads the admin port.
     */
    public void assertServedBy(ClientProtocol protocol) {
        exchanges.assertAllServedBy(protocol.servedBy());
    }

    /**
     * Exactly {@code count} exchanges since the last count started, all served by {@code transport}: for requests
     * written on a raw socket, or still in flight. Then counts anew.
     */
    public void assertServedBy(Transport transport, int count) {
        exchanges.assertServedBy(transport, count);
    }

    /** {@code ferry.transport.exchanges} by transport, from the Prometheus text of the admin port. */
    private Map<Transport, Long> exchangeCounts() {
        java.net.http.HttpResponse<String> metrics = admin("/metrics");
        if (metrics.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics answered " + metrics.statusCode());
        }
        Map<Transport, Long> counts = new EnumMap<>(Transport.class);
        Matcher m = EXCHANGES.matcher(metrics.body());
        while (m.find()) {
            for (Transport transport : Transport.values()) {
                if (transport.tag().equals(m.group(1))) {
                    counts.put(transport, (long) Double.parseDouble(m.group(2)));
                }
            }
        }
        return counts;
    }

    public Process process() {
        return process;
    }

    /** SIGTERM, as an orchestrator stops a pod. */
    public void terminate() {
        process.destroy();
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
