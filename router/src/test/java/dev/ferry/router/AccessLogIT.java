package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The access log on both transports: one JSON line per request, written by its own thread, with the fields
 * docs/observability.md lists; and the client's trace context passed to the backend unchanged while Ferry records no
 * span of its own.
 */
class AccessLogIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

    static Backends backends;
    static UnleashStub unleash;
    static RunningRouter router;
    static Path accessLog;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        unleash = new UnleashStub().tenantsOnNew("globex");
        accessLog = dir.resolve("access.log");
        Map<String, String> config = config("main");
        config.put("access-log.enabled", "true");
        config.put("access-log.file", accessLog.toString());
        router = RunningRouter.startReady(config);
    }

    private static Map<String, String> config(String name) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir.resolve(name)));
        return config;
    }

    @BeforeEach
    void resetBackends() {
        backends.reset();
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        unleash.close();
        backends.close();
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void logsAForwardedRequestWithItsTenantDecisionBackendTimingsAndTraceIds(ClientProtocol protocol) {
        String path = "/log/forwarded/" + protocol.name();
        HttpResponse<String> response = router.send(
                protocol,
                HttpRequest.newBuilder(router.uri(path + "?token=secret"))
                        .header("X-Tenant-Id", "globex")
                        .header("User-Agent", "access-log-test/1.0")
                        .header("traceparent", TRACEPARENT)
                        .header("tracestate", TRACESTATE)
                        .build());

        assertThat(response.statusCode()).isEqualTo(200);
        router.assertServedBy(protocol);
        JsonNode line = lineFor(accessLog, path);
        assertThat(line.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(line.path("http.request.method").asText()).isEqualTo("GET");
        assertThat(line.has("url.query")).isFalse();
        assertThat(line.path("network.protocol.version").asText()).isEqualTo(protocol.version());
        assertThat(line.path("client.address").asText()).isEqualTo("127.0.0.1");
        assertThat(line.path("user_agent.original").asText()).isEqualTo("access-log-test/1.0");
        assertThat(line.path("server.address").asText()).isEqualTo("127.0.0.1");
        assertThat(line.path("server.port").asInt()).isEqualTo(router.router().port());
        assertThat(line.path("http.response.status_code").asInt()).isEqualTo(200);
        assertThat(line.path("http.response.body.size").asLong()).isEqualTo("served by new".length());
        assertThat(line.path("http.request.body.size").asLong()).isZero();
        assertThat(line.path("ferry.transport").asText())
                .isEqualTo(protocol.servedBy().tag());
        assertThat(line.path("ferry.tenant").asText()).isEqualTo("globex");
        assertThat(line.path("ferry.backend").asText()).isEqualTo("new");
        assertThat(line.path("ferry.decision.reason").asText()).isEqualTo("flag_on");
        assertThat(line.path("ferry.flag.revision").asText())
                .isEqualTo(String.valueOf(Math.abs("\"globex\"".hashCode() % 100000)));
        assertThat(line.path("ferry.outcome").asText()).isEqualTo("forwarded");
        assertThat(line.has("ferry.error")).isFalse();
        assertThat(line.has("error.type")).isFalse();
        double firstByte = line.path("ferry.duration.first_byte_ms").asDouble();
        assertThat(firstByte)
                .isPositive()
                .isLessThanOrEqualTo(line.path("ferry.duration.total_ms").asDouble());
        // no span of Ferry's: the client's ids, which the backend's spans are under
        assertThat(line.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(line.path("span_id").asText()).isEqualTo("00f067aa0ba902b7");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlPathEqualTo(path))
                        .withHeader("traceparent", equalTo(TRACEPARENT))
                        .withHeader("tracestate", equalTo(TRACESTATE)));
        assertThat(router.metrics()).contains("ferry_access_log_dropped_total 0.0");
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void logsARefusedRequestWithFerrysError(ClientProtocol protocol) {
        String path = "/log/refused/" + protocol.name();
        HttpResponse<String> response = router.get(protocol, null, path);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("X-Ferry-Error")).contains("tenant_missing");
        router.assertServedBy(protocol);
        JsonNode line = lineFor(accessLog, path);
        assertThat(line.path("http.response.status_code").asInt()).isEqualTo(400);
        assertThat(line.path("ferry.error").asText()).isEqualTo("tenant_missing");
        assertThat(line.path("error.type").asText()).isEqualTo("tenant_missing");
        assertThat(line.path("ferry.outcome").asText()).isEqualTo("refused");
        assertThat(line.path("ferry.transport").asText())
                .isEqualTo(protocol.servedBy().tag());
        assertThat(line.has("ferry.tenant")).isFalse();
        assertThat(line.has("ferry.backend")).isFalse();
        assertThat(line.has("ferry.decision.reason")).isFalse();
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void passesAMalformedTraceparentToTheBackendUnchangedAndLogsNoTraceFromIt(ClientProtocol protocol) {
        String path = "/log/malformed-trace/" + protocol.name();
        String malformed = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"; // upper case: invalid
        router.send(
                protocol,
                HttpRequest.newBuilder(router.uri(path))
                        .header("X-Tenant-Id", "acme")
                        .header("traceparent", malformed)
                        .header("tracestate", TRACESTATE)
                        .build());

        backends.of(Backend.LEGACY)
                .verify(anyRequestedFor(urlPathEqualTo(path))
                        .withHeader("traceparent", equalTo(malformed))
                        .withHeader("tracestate", equalTo(TRACESTATE)));
        JsonNode line = lineFor(accessLog, path);
        assertThat(line.path("ferry.backend").asText()).isEqualTo("legacy");
        assertThat(line.path("ferry.decision.reason").asText()).isEqualTo("flag_off");
        assertThat(line.has("trace_id")).isFalse();
        router.assertServedBy(protocol);
    }

    @Test
    void writesNothingByDefaultNorWhenSampledAtZero() {
        Path unset = dir.resolve("default.log");
        Map<String, String> byDefault = config("default");
        byDefault.put("access-log.file", unset.toString());
        Path zero = dir.resolve("zero.log");
        Map<String, String> sampledAtZero = config("zero");
        sampledAtZero.put("access-log.enabled", "true");
        sampledAtZero.put("access-log.sample", "0");
        sampledAtZero.put("access-log.file", zero.toString());

        for (Map<String, String> config : List.of(byDefault, sampledAtZero)) {
            try (RunningRouter quiet = RunningRouter.startReady(config)) {
                for (ClientProtocol protocol : ClientProtocol.values()) {
                    assertThat(quiet.get(protocol, "acme", "/quiet").statusCode())
                            .isEqualTo(200);
                    assertThat(quiet.get(protocol, null, "/quiet").statusCode()).isEqualTo(400);
                }
                quiet.assertServed(2, 2);
            } // closing drains the writer: anything queued is written by now
        }

        assertThat(unset).doesNotExist();
        assertThat(zero).isEmptyFile();
    }

    /** The line of the one request to {@code path}, once the writer has written it. */
    static JsonNode lineFor(Path log, String path) {
        JsonNode[] found = {null};
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            found[0] = find(log, path).orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private static Optional<JsonNode> find(Path log, String path) {
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(log)) {
                JsonNode json = JSON.readTree(line);
                if (path.equals(json.path("url.path").asText())) {
                    return Optional.of(json);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
