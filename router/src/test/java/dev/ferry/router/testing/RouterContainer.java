package dev.ferry.router.testing;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Ferry's image running under podman in demo mode ({@code --demo}: the two demo backends run inside it), on the
 * host's network with free loopback ports for the proxy, the admin port and both backends; removed on close.
 */
public final class RouterContainer implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final int port;
    private final int adminPort;
    private final int legacyPort;

    private RouterContainer(String name, int port, int adminPort, int legacyPort) {
        this.name = name;
        this.port = port;
        this.adminPort = adminPort;
        this.legacyPort = legacyPort;
    }

    /** Starts {@code image} with {@code --demo} and waits until its admin port answers. */
    public static RouterContainer startDemo(String image) {
        RouterContainer container = new RouterContainer(
                "ferry-image-it-" + UUID.randomUUID().toString().substring(0, 8), freePort(), freePort(), freePort());
        int newPort = freePort();
        List<String> run = new ArrayList<>(List.of("run", "--detach", "--pull=never", "--name", container.name));
        run.addAll(List.of("--network", "host"));
        run.addAll(List.of("--env", "FERRY_LISTEN_PORT=" + container.port));
        run.addAll(List.of("--env", "FERRY_ADMIN_PORT=" + container.adminPort));
        run.addAll(List.of(image, "--demo", "--demo-ports", container.legacyPort + "," + newPort));
        try {
            Podman.run(COMMAND_TIMEOUT, run.toArray(String[]::new)).orFail("podman run " + image);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("the container stopped (its log is below)", () -> !container.running())
                    .ignoreExceptions()
                    .until(() -> container.admin("/health/live").statusCode() == 200);
            return container;
        } catch (RuntimeException | AssertionError e) {
            e.addSuppressed(new IllegalStateException("container log:\n" + container.logs()));
            container.close();
            throw e;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    /** The proxy's port on loopback. */
    public int port() {
        return port;
    }

    /** The demo's legacy backend, straight (its {@code /metrics} counts what it served). */
    public int legacyPort() {
        return legacyPort;
    }

    public HttpResponse<String> admin(String path) {
        return get(adminPort, path);
    }

    public HttpResponse<String> legacy(String path) {
        return get(legacyPort, path);
    }

    /** A GET through the proxy for {@code tenant}, over HTTP/1.1. */
    public HttpResponse<String> get(String tenant, String path) {
        return RunningRouter.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Tenant-Id", tenant)
                .timeout(Duration.ofSeconds(10))
                .build());
    }

    private static HttpResponse<String> get(int port, String path) {
        return RunningRouter.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build());
    }

    /** {@code podman exec}: a command inside the running container, as its user, in its working directory. */
    public String exec(String... command) {
        List<String> args = new ArrayList<>(List.of("exec", name));
        args.addAll(List.of(command));
        return Podman.run(COMMAND_TIMEOUT, args.toArray(String[]::new)).orFail("podman exec " + List.of(command));
    }

    /** {@code podman inspect --format FORMAT} of the container. */
    public String inspect(String format) {
        return Podman.run(COMMAND_TIMEOUT, "container", "inspect", "--format", format, name)
                .orFail("podman inspect " + name);
    }

    public boolean running() {
        return inspect("{{.State.Running}}").equals("true");
    }

    /** The exit code of the container's process, once it stopped. */
    public int exitCode() {
        return Integer.parseInt(inspect("{{.State.ExitCode}}"));
    }

    public String logs() {
        return Podman.run(COMMAND_TIMEOUT, "logs", name).output();
    }

    /**
     * {@code podman stop --time GRACE}, as an orchestrator stops it: SIGTERM, and SIGKILL if it is still running after
     * the grace period. Completes with the time {@code podman stop} took, once it returns.
     */
    public CompletableFuture<Duration> stop(Duration grace) {
        long started = System.nanoTime();
        Process stop = Podman.start("stop", "--time", Long.toString(grace.toSeconds()), name);
        return stop.onExit().thenApply(process -> {
            if (process.exitValue() != 0) {
                fail("podman stop %s: exit code %d (expected: 0)", name, process.exitValue());
            }
            return Duration.ofNanos(System.nanoTime() - started);
        });
    }

    @Override
    public void close() {
        Podman.run(COMMAND_TIMEOUT, "rm", "--force", name);
    }
}
