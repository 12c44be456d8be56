package dev.ferry.admin.cli;

import dev.ferry.admin.console.ConsoleServer;
import dev.ferry.admin.console.LiveSplit;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.ShadowReader;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.Status;
import dev.ferry.admin.tenants.TenantMover;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve the web console: tenants by backend, wave progress, a change planned then confirmed, the history,"
                    + " the live split, shadowed tenants and their readiness (from every --router). It changes production routing, so its API needs the console token"
                    + " (Authorization: Bearer TOKEN); the page asks for it and for your name, recorded as 'by'.",
            "Runs until stopped (Ctrl-C)."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:8090",
            description = "where the console listens (default: ${DEFAULT-VALUE}, loopback only; port 0 picks one)")
    String listen;

    @Option(
            names = "--console-token",
            paramLabel = "TOKEN",
            defaultValue = "${env:FLAGS_ADMIN_CONSOLE_TOKEN}",
            description = "the token every API call needs, at least 16 characters (env FLAGS_ADMIN_CONSOLE_TOKEN);"
                    + " e.g. $(openssl rand -hex 16)")
    String consoleToken;

    @Option(
            names = "--router-metrics",
            paramLabel = "URL",
            description = "a router's admin /metrics for the live split, e.g. http://127.0.0.1:9901/metrics")
    String routerMetrics;

    @Option(
            names = "--prometheus",
            paramLabel = "URL",
            description = "or Prometheus for the live split (recording rule backend:ferry_requests:rate5m), e.g."
                    + " http://127.0.0.1:9090")
    String prometheus;

    @Mixin
    RouterOptions replicas = new RouterOptions();

    @Mixin
    ShadowFlagOption shadowFlag = new ShadowFlagOption();

    @Option(
            names = "--require-readiness",
            defaultValue = "${env:FLAGS_ADMIN_REQUIRE_READINESS:-false}",
            description =
                    "refuse a move to new of a tenant that is not shadowed too (env FLAGS_ADMIN_REQUIRE_READINESS)")
    boolean requireReadiness;

    static final int MIN_TOKEN = 16;

    private final FlagsAdmin root;

    ServeCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (consoleToken == null || consoleToken.isBlank()) {
            throw new BadInputException("no console token: the console changes production routing (expected:"
                    + " --console-token TOKEN or FLAGS_ADMIN_CONSOLE_TOKEN, at least " + MIN_TOKEN + " characters,"
                    + " e.g. $(openssl rand -hex 16))");
        }
        String token = consoleToken.strip();
        if (token.length() < MIN_TOKEN || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new BadInputException("the console token is " + token.length() + " characters (expected: at least "
                    + MIN_TOKEN + " printable ASCII characters without spaces, e.g. $(openssl rand -hex 16))");
        }
        InetSocketAddress address = address(listen);
        LiveSplit split = split();
        TenantMover mover = root.mover(spec, Progress.none());
        PrintWriter out = spec.commandLine().getOut();
        ConsoleServer console;
        try {
            console = ConsoleServer.start(address, token, mover, split, gate(), System.err);
        } catch (IOException e) {
            throw new BadInputException("cannot listen on " + listen + ": " + e.getMessage() + " (expected: a free"
                    + " port on an address of this machine; --listen 127.0.0.1:0 picks a free port)");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(console::close, "flags-admin-console-stop"));
        out.println("flags-admin console on " + console.uri() + "  (sign in with the console token and your name)");
        try {
            Status status = mover.status();
            out.println("  flag " + status.migration().flag() + " in " + status.source() + ", revision "
                    + status.migration().revision());
        } catch (RuntimeException e) {
            out.println("  the flag cannot be read now: " + e.getMessage() + " (the console shows it until it can)");
        }
        out.println("  live split: "
                + (routerMetrics != null
                        ? "router metrics " + routerMetrics
                        : prometheus != null ? "Prometheus " + prometheus : "not configured (--router-metrics URL)"));
        out.println("  shadow reads: flag " + shadowFlag.name + ", "
                + (replicas.any()
                        ? "readiness from " + replicas.urls().size() + " replica(s)"
                        : "no --router given: a shadowed tenant's move is refused (its readiness cannot be read)"));
        if (!address.getAddress().isLoopbackAddress()) {
            out.println("  WARNING: listening beyond loopback on "
                    + address.getAddress().getHostAddress()
                    + ": the token travels in clear text; put TLS in front of it");
        }
        out.println("Stop with Ctrl-C.");
        out.flush();
        new CountDownLatch(1).await();
        return ExitCode.OK;
    }

    private ReadinessGate gate() {
        List<URI> routers = replicas.any() ? replicas.urls() : List.of();
        return new ReadinessGate(new ShadowReader(replicas.timeout()), routers, shadowFlag.name, requireReadiness);
    }

    private LiveSplit split() {
        if (routerMetrics != null && prometheus != null) {
            throw new BadInputException(
                    "both --router-metrics and --prometheus (expected: one source of the live" + " split)");
        }
        if (routerMetrics != null) {
            return LiveSplit.routerMetrics(url(routerMetrics, "--router-metrics"), System::nanoTime);
        }
        if (prometheus != null) {
            return LiveSplit.prometheus(url(prometheus, "--prometheus"));
        }
        return LiveSplit.none();
    }

    static URI url(String raw, String option) {
        URI uri;
        try {
            uri = URI.create(raw.strip());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null
                || uri.getScheme() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new BadInputException(option + " '" + raw + "' is not an http(s) URL (expected: e.g."
                    + (option.equals("--prometheus") ? " http://127.0.0.1:9090" : " http://127.0.0.1:9901/metrics")
                    + ")");
        }
        return uri;
    }

    static InetSocketAddress address(String raw) {
        String s = raw == null ? "" : raw.strip();
        int colon = s.lastIndexOf(':');
        String expected = " (expected: HOST:PORT, e.g. 127.0.0.1:8090 or [::1]:8090; port 0 picks a free one)";
        if (colon <= 0) {
            throw new BadInputException("--listen '" + raw + "' has no port" + expected);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new BadInputException("--listen '" + raw + "': the port is not 0 to 65535" + expected);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new BadInputException("--listen '" + raw + "': unknown host " + host + expected);
        }
    }
}
