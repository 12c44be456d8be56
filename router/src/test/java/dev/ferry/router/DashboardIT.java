package dev.ferry.router;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.demo.BypassCounter;
import dev.ferry.router.demo.Demo;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.DisposableServer;

/**
 * The Grafana dashboard (deploy/grafana/ferry.json) follows its conventions, and every query of every panel returns
 * data from a real Prometheus server (Debian's {@code prometheus}, installed by deploy/local/install-test-tools.sh)
 * that scrapes a real Ferry carrying traffic and the demo's legacy backend, with the recording rules of
 * deploy/prometheus/rules.yml loaded.
 *
 * <p>Grafana's variables are replaced before a query is sent, as Grafana would with these values:
 *
 * <pre>
 *   $__rate_interval   30s   (Grafana: at least four scrape intervals; here the scrape interval is 1s)
 *   $__interval        5s
 *   $__range           5m
 *   $replica           .*    (the "All" value of the replica variable)
 *   ${datasource}      not in queries: it names the Prometheus the queries go to
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {
    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "ferry.json");
    private static final Path RULES = Path.of("..", "deploy", "prometheus", "rules.yml");
    private static final Map<String, String> VARIABLES = new LinkedHashMap<>();

    static {
        VARIABLES.put("$__rate_interval", "30s");
        VARIABLES.put("$__interval", "5s");
        VARIABLES.put("$__range", "5m");
        VARIABLES.put("$replica", ".*");
    }

    /** A series that only grows: a counter, or a histogram's count, sum or buckets. */
    private static final Pattern COUNTER = Pattern.compile("\\b([a-z_:]+(?:_total|_count|_sum|_bucket))\\b");

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path dir;

    private JsonNode dashboard;
    private DisposableServer legacy;
    private DisposableServer newBackend;
    private RunningRouter router;
    private Process prometheus;
    private URI prometheusUri;

    @BeforeAll
    void loadTheDashboard() throws IOException {
        dashboard = JSON.readTree(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
    }

    @AfterAll
    void stopEverything() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (router != null) {
            router.close();
        }
        if (legacy != null) {
            legacy.disposeNow();
        }
        if (newBackend != null) {
            newBackend.disposeNow();
        }
    }

    @Test
    void takesItsDatasourceFromAVariableOfTypePrometheus() {
        JsonNode variable = variable("datasource");
        assertThat(variable.path("type").asText()).isEqualTo("datasource");
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        for (JsonNode panel : panels()) {
            assertThat(panel.path("datasource").path("uid").asText())
                    .as(panel.path("title").asText())
                    .isEqualTo("${datasource}");
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText())
                        .as(panel.path("title").asText())
                        .isEqualTo("${datasource}");
            }
        }
    }

    @Test
    void givesEveryPanelAUnitAndADescription() {
        assertThat(panels()).isNotEmpty().allSatisfy(panel -> {
            assertThat(panel.path("fieldConfig").path("defaults").path("unit").asText())
                    .as("unit of '%s'", panel.path("title").asText())
                    .isNotBlank();
            assertThat(panel.path("description").asText())
                    .as("description of '%s'", panel.path("title").asText())
                    .isNotBlank();
        });
    }

    @Test
    void neverShowsACounterWithoutRateOrIncrease() {
        for (Query query : queries()) {
            Matcher m = COUNTER.matcher(query.expr());
            while (m.find()) {
                assertThat(insideRateOrIncrease(query.expr(), m.start()))
                        .as("'%s' in panel '%s': %s", m.group(1), query.panel(), query.expr())
                        .isTrue();
            }
        }
    }

    @Test
    void answersEveryPanelsQueryFromARealPrometheusScrapingARealFerry() throws Exception {
        startFerryAndItsBackends();
        startPrometheus();

        for (Query query : queries()) {
            String promql = substitute(query.expr());
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        sendTraffic();
                        JsonNode result = query(promql);
                        assertThat(result)
                                .as("panel '%s', query %s", query.panel(), promql)
                                .isNotEmpty();
                        assertThat(result)
                                .as("panel '%s', query %s: a number, not NaN", query.panel(), promql)
                                .anySatisfy(sample -> assertThat(
                                                sample.path("value").path(1).asText())
                                        .isNotEqualTo("NaN"));
                    });
        }
    }

    private void startFerryAndItsBackends() {
        legacy = Demo.legacy(0, new BypassCounter());
        newBackend = Demo.backend("new", 0);
        // A pin, a pilot on new, and a wave scheduled for later whose tenant is still on legacy.
        FlagsFile flags = new FlagsFile(dir)
                .write(flag().pinned("umbrella")
                        .list("pilot", "globex")
                        .listFrom("wave-3", Instant.now().plus(Duration.ofHours(1)), "initech")
                        .shadowing("acme")
                        .document());
        Map<String, String> config = new HashMap<>(flags.config());
        config.put("backends.legacy.url", "http://127.0.0.1:" + legacy.port());
        config.put("backends.new.url", "http://127.0.0.1:" + newBackend.port());
        router = RunningRouter.startReady(config);
    }

    /** Tenants on legacy and new, one request without a tenant (refused), one straight to legacy (bypass). */
    private void sendTraffic() throws IOException, InterruptedException {
        for (String tenant : List.of("acme", "globex", "initech", "umbrella")) {
            assertThat(router.get(tenant, "/hello").statusCode()).isEqualTo(200);
        }
        assertThat(router.get(null, "/hello").statusCode()).isEqualTo(400);
        HttpRequest direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + legacy.port() + "/hello"))
                .header("X-Tenant-Id", "acme")
                .timeout(Duration.ofSeconds(5))
                .build();
        assertThat(http.send(direct, HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(200);
    }

    private void startPrometheus() throws IOException {
        int port = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(
                config,
                """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: ferry
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                  - job_name: legacy
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """
                        .formatted(
                                RULES.toAbsolutePath().normalize(),
                                router.router().adminPort(),
                                legacy.port()),
                StandardCharsets.UTF_8);
        List<String> command = List.of(
                "/usr/bin/prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port);
        try {
            prometheus = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "prometheus is not installed: run deploy/local/install-test-tools.sh (Debian package"
                            + " 'prometheus')",
                    e);
        }
        prometheusUri = URI.create("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .failFast("prometheus exited; its log:\n" + log(), () -> !prometheus.isAlive())
                .ignoreExceptions()
                .until(() -> get("/-/ready").statusCode() == 200);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(query("up == 1")).hasSize(2));
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("status").asText())
                .as("%s: %s", promql, response.body())
                .isEqualTo("success");
        return body.path("data").path("result");
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(prometheusUri + pathAndQuery))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String substitute(String expr) {
        String out = expr;
        for (Map.Entry<String, String> variable : VARIABLES.entrySet()) {
            out = out.replace(variable.getKey(), variable.getValue());
        }
        assertThat(out)
                .as("a Grafana variable this test does not know: %s", expr)
                .doesNotContain("$");
        return out;
    }

    /** Whether the series at {@code at} is inside the parentheses of a rate(), irate() or increase(). */
    private static boolean insideRateOrIncrease(String expr, int at) {
        Matcher call = Pattern.compile("\\b(rate|irate|increase)\\(").matcher(expr);
        while (call.find()) {
            if (call.end() > at) {
                break;
            }
            int depth = 1;
            for (int i = call.end(); i < at && depth > 0; i++) {
                char c = expr.charAt(i);
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            }
            if (depth > 0) {
                return true;
            }
        }
        return false;
    }

    private JsonNode variable(String name) {
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (name.equals(variable.path("name").asText())) {
                return variable;
            }
        }
        throw new AssertionError("no variable '" + name + "' in " + DASHBOARD);
    }

    /** Every panel that shows data (rows only group them). */
    private List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (!"row".equals(panel.path("type").asText())) {
                out.add(panel);
            }
        }
        return out;
    }

    private record Query(String panel, String expr) {}

    private List<Query> queries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query(
                        panel.path("title").asText(), target.path("expr").asText()));
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }
}
