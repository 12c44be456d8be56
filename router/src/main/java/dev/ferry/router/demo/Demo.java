package dev.ferry.router.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Two demo backends on loopback, "legacy" (port 9081) and "new" (9082), each answering which one served, and a flags
 * file in which tenant {@code acme} is on legacy and {@code globex} on new. The file is written once and then left to
 * the user to edit: Ferry picks up changes within a second.
 *
 * <p>Legacy counts what it serves with and without Ferry's mark ({@link BypassCounter}) and exports it on its own
 * {@code GET /metrics}, as a team would add to its legacy service: a request sent straight to it shows up there as
 * {@code legacy_requests_total{via="direct"}}.
 */
public final class Demo implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fixed, so that deploy/prometheus/prometheus.yml can scrape legacy and a person can curl it directly. */
    public static final int LEGACY_PORT = 9081;

    public static final int NEW_PORT = 9082;
    /** Legacy's own metrics: the middleware counter, not a tenant's path. */
    static final String METRICS_PATH = "/metrics";

    private final DisposableServer legacy;
    private final DisposableServer newBackend;
    private final Path flagsFile;
    private final Path shadowRules;

    private Demo(DisposableServer legacy, DisposableServer newBackend, Path flagsFile) {
        this.legacy = legacy;
        this.newBackend = newBackend;
        this.flagsFile = flagsFile;
        this.shadowRules = flagsFile.resolveSibling("shadow-rules.yaml");
    }

    /** Starts the backends on their fixed ports and writes {@code dir/flags.json} unless it exists already. */
    public static Demo start(Path dir) {
        return start(dir, LEGACY_PORT, NEW_PORT);
    }

    /** @param legacyPort the legacy backend's port, 0 for any free one; likewise {@code newPort} */
    public static Demo start(Path dir, int legacyPort, int newPort) {
        Path flags = dir.resolve("flags.json");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(flags)) {
                try (InputStream in = Demo.class.getResourceAsStream("/demo/flags.json")) {
                    Files.copy(in, flags);
                }
            }
            Path rules = dir.resolve("shadow-rules.yaml");
            if (!Files.exists(rules)) {
                try (InputStream in = Demo.class.getResourceAsStream("/demo/shadow-rules.yaml")) {
                    Files.copy(in, rules);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo flags file " + flags, e);
        }
        return new Demo(legacy(legacyPort, new BypassCounter()), backend("new", newPort), flags);
    }

    /** The legacy backend with its middleware counter: {@code GET /metrics} answers it, everything else counts. */
    public static DisposableServer legacy(int port, BypassCounter counter) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle((req, res) -> {
                    if (req.method().name().equals("GET") && req.uri().equals(METRICS_PATH)) {
                        return res.header("Content-Type", "text/plain; version=0.0.4")
                                .sendString(Mono.fromCallable(counter::exposition))
                                .then();
                    }
                    counter.served(req.requestHeaders().getAll("Via"));
                    return answer("legacy", req, res);
                })
                .bindNow();
    }

    /** A backend that answers every request with a JSON line naming itself and what it received. */
    public static DisposableServer backend(String name, int port) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle((req, res) -> answer(name, req, res))
                .bindNow();
    }

    private static org.reactivestreams.Publisher<Void> answer(
            String name,
            reactor.netty.http.server.HttpServerRequest req,
            reactor.netty.http.server.HttpServerResponse res) {
        return req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("backend", name);
            answer.put("tenant", req.requestHeaders().get("X-Tenant-Id"));
            answer.put("method", req.method().name());
            answer.put("path", req.uri());
            answer.put("bodyBytes", body.length());
            // differs on every answer, as many real ones do: shadow reads learn that it is noise
            // (not UUID.randomUUID(): SecureRandom may block an event loop)
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            answer.put("requestId", new java.util.UUID(random.nextLong(), random.nextLong()).toString());
            try {
                return res.header("Content-Type", "application/json")
                        .sendString(Mono.just(JSON.writeValueAsString(answer) + "\n"))
                        .then();
            } catch (IOException e) {
                return Mono.error(e);
            }
        });
    }

    /** The configuration the demo runs with; a config file and FERRY_* variables still override it. */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("listen.host", "127.0.0.1");
        c.put("backends.legacy.url", "http://127.0.0.1:" + legacy.port());
        c.put("backends.new.url", "http://127.0.0.1:" + newBackend.port());
        c.put("flags.source", "file");
        c.put("flags.file", flagsFile.toString());
        c.put("flags.held-file", flagsFile.resolveSibling("held-tenants.json").toString());
        c.put("forwarding.served-by-header", "X-Ferry-Backend");
        c.put("shadow.rules-file", shadowRules.toString());
        c.put("shadow.max-rate", "1000"); // a loop of curl from one terminal is shadowed whole
        return c;
    }

    /**
     * @param flagsFromFile whether the router reads the demo's flags file (it may have been pointed at Unleash)
     */
    public void printWelcome(int port, int adminPort, boolean flagsFromFile) {
        String flags = flagsFromFile
                ? flagsFile.toAbsolutePath() + "   (edit it: changes apply within a second)"
                : "from Unleash (see docs/unleash.md); the demo's flags file is not used";
        System.out.printf(
                """

                Ferry demo is running.
                  proxy   http://127.0.0.1:%1$d   (legacy backend on :%3$d, new backend on :%4$d)
                  admin   http://127.0.0.1:%2$d   (/health/ready, /metrics, /routing/tenants/{id})
                  flags   %5$s

                Try:
                  curl -H 'X-Tenant-Id: acme' http://127.0.0.1:%1$d/hello      # -> legacy
                  curl -H 'X-Tenant-Id: globex' http://127.0.0.1:%1$d/hello    # -> new
                  curl http://127.0.0.1:%2$d/routing/tenants/acme
                  curl -H 'X-Tenant-Id: acme' http://127.0.0.1:%3$d/hello      # straight to legacy: bypass traffic
                  curl http://127.0.0.1:%3$d/metrics                           # legacy_requests_total{via="direct"}

                Stop with Ctrl-C.
                %n""",
                port, adminPort, legacy.port(), newBackend.port(), flags);
    }

    @Override
    public void close() {
        legacy.disposeNow();
        newBackend.disposeNow();
    }
}
