package dev.ferry.router.shadowing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Shadow reads end to end, on both transports: backends that differ on purpose (a changed field, an ignored
 * timestamp, reordered arrays, a field that differs on every answer, a lagging replica, a slow new), each counted as
 * it should be, as the admin port reports it.
 */
class ShadowReadsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SHADOWED = List.of(
            "match-http_1_1",
            "match-h2c",
            "changed-http_1_1",
            "changed-h2c",
            "ignored",
            "reordered",
            "noisy",
            "lagging",
            "slow",
            "posting",
            "search-http_1_1",
            "search-h2c",
            "unanswered");

    static Backends backends;
    static UnleashStub unleash;
    static RunningRouter router;
    static Path accessLog;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        backends = new Backends();
        WireMockServer legacy = backends.of(Backend.LEGACY);
        WireMockServer fresh = backends.of(Backend.NEW);
        for (WireMockServer server : List.of(legacy, fresh)) {
            server.stubFor(get(urlPathMatching("/orders/.*")).willReturn(okJson("{\"id\":1,\"total\":10}")));
            server.stubFor(get(urlPathEqualTo("/tags/1"))
                    .willReturn(okJson(
                            server == legacy ? "{\"tags\":[\"a\",\"b\",\"c\"]}" : "{\"tags\":[\"c\",\"a\",\"b\"]}")));
            server.stubFor(get(urlPathEqualTo("/stamped/1"))
                    .willReturn(okJson(
                            "{\"id\":1,\"servedAt\":\"" + (server == legacy ? "10:00:00" : "10:00:01") + "\"}")));
            server.stubFor(get(urlPathEqualTo("/noisy/1"))
                    .willReturn(aResponse()
                            .withHeader("Content-Type", "application/json")
                            .withBody("{\"id\":1,\"requestId\":\"{{randomValue type='UUID'}}\"}")
                            .withTransformers("response-template")));
            server.stubFor(post(urlPathEqualTo("/balance")).willReturn(okJson("{\"ok\":true}")));
            server.stubFor(post(urlPathEqualTo("/search"))
                    .withRequestBody(equalTo("{\"q\":\"red shoes\"}"))
                    .willReturn(okJson("{\"hits\":[1,2]}")));
            server.stubFor(get(urlPathEqualTo("/slow/1"))
                    .willReturn(okJson("{\"id\":1}").withFixedDelay(server == legacy ? 0 : 300)));
        }
        // legacy answers the client, then neither backend answers the shadow
        legacy.stubFor(get(urlPathEqualTo("/flaky/1"))
                .inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"id\":1}"))
                .willSetStateTo("broken"));
        legacy.stubFor(get(urlPathEqualTo("/flaky/1"))
                .inScenario("flaky")
                .whenScenarioStateIs("broken")
                .willReturn(
                        aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        fresh.stubFor(get(urlPathEqualTo("/flaky/1"))
                .willReturn(
                        aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        legacy.stubFor(get(urlPathMatching("/prices/.*")).willReturn(okJson("{\"id\":1,\"price\":10}")));
        fresh.stubFor(get(urlPathMatching("/prices/.*")).willReturn(okJson("{\"id\":1,\"price\":12}")));
        legacy.stubFor(get(urlPathEqualTo("/balance")).willReturn(okJson("{\"balance\":5}")));
        // new shows the write only from its second read on: replication lag
        fresh.stubFor(get(urlPathEqualTo("/balance"))
                .inScenario("replication")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"balance\":0}"))
                .willSetStateTo("caught up"));
        fresh.stubFor(get(urlPathEqualTo("/balance"))
                .inScenario("replication")
                .whenScenarioStateIs("caught up")
                .willReturn(okJson("{\"balance\":5}")));

        Path rules = dir.resolve("rules.yaml");
        Files.writeString(
                rules,
                """
                routes:
                  - route: GET /stamped/{id}
                    ignore: [servedAt]
                  - route: GET /tags/{id}
                    unordered: [tags]
                  - route: POST /search
                    idempotent: true
                """);
        unleash = new UnleashStub().serve(document(SHADOWED));
        accessLog = dir.resolve("access.log");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir.resolve("flags")));
        config.put("shadow.rules-file", rules.toString());
        config.put("shadow.replication-lag", "1s");
        config.put("shadow.readiness.min-compared", "3");
        config.put("shadow.readiness.min-lower-bound", "0.4");
        config.put("shadow.readiness.min-per-route", "1");
        // a few requests on cold connections: only a slow new (300 ms) is past this
        config.put("shadow.readiness.latency-margin-floor", "200ms");
        config.put("access-log.enabled", "true");
        config.put("access-log.file", accessLog.toString());
        router = RunningRouter.startReady(config);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> shadow("ignored").path("shadowed").asBoolean());
    }

    @AfterAll
    static void stop() {
        router.close();
        unleash.close();
        backends.close();
    }

    /** The routing flag with nobody on new, and the shadow flag listing {@code tenants}. */
    static String document(List<String> tenants) {
        String values =
                String.join(",", tenants.stream().map(t -> "\"" + t + "\"").toList());
        return """
                {"version":2,"features":[
                 {"name":"route-tenant-to-new","type":"release","enabled":false,"project":"default","stale":false,
                  "impressionData":false,"variants":[],"strategies":[]},
                 {"name":"ferry.shadow","type":"operational","enabled":true,"project":"default","stale":false,
                  "impressionData":false,"variants":[],"strategies":[{"name":"default","constraints":[
                  {"contextName":"tenantId","operator":"IN","values":[%s],"inverted":false,"caseInsensitive":false}],
                  "parameters":{},"variants":[]}]}],"meta":{"revisionId":%d}}
                """
                .formatted(values, Math.abs(values.hashCode() % 100000));
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void aReadBothBackendsAnswerAlikeMatchesAndTheTenantGrowsReady(ClientProtocol protocol) {
        String tenant = "match-" + protocol.name().toLowerCase(java.util.Locale.ROOT);
        router.countExchangesFromHere();
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> answer = router.get(protocol, tenant, "/orders/" + i);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{\"id\":1,\"total\":10}");
        }
        router.assertServedBy(protocol);

        JsonNode report = awaitVerdicts(tenant, "match", 3).path("report");
        assertThat(report.path("compared").asLong()).isEqualTo(3);
        assertThat(report.path("lowerBound").asDouble()).isBetween(0.43, 0.45); // 3 of 3 is not 100 %
        assertThat(report.path("ready").asBoolean()).as(report.toString()).isTrue();
        // Shadow requests are marked for new, and carry the tenant as the client's did
        backends.of(Backend.NEW)
                .verify(
                        3,
                        getRequestedFor(urlPathMatching("/orders/.*"))
                                .withHeader("X-Ferry-Shadow", equalTo("1"))
                                .withHeader("Accept-Encoding", equalTo("identity"))
                                .withHeader("X-Tenant-Id", equalTo(tenant)));
        List<JsonNode> lines = shadowLines(tenant);
        assertThat(lines).allSatisfy(line -> {
            assertThat(line.path("ferry.shadow.verdict").asText()).isEqualTo("match");
            assertThat(line.path("ferry.shadow.route").asText()).isEqualTo("GET /orders/{id}");
            assertThat(line.path("http.response.status_code").asInt()).isEqualTo(200);
        });
        assertThat(lines.stream()
                        .filter(l -> l.path("ferry.shadow.role").asText().equals("new")))
                .hasSize(3)
                .allSatisfy(l -> assertThat(l.path("ferry.backend").asText()).isEqualTo("new"));
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void aChangedFieldIsDifferentAndNamedAmongTheTopFields(ClientProtocol protocol) {
        String tenant = "changed-" + protocol.name().toLowerCase(java.util.Locale.ROOT);
        for (int i = 1; i <= 3; i++) {
            assertThat(router.get(protocol, tenant, "/prices/" + i).body()).contains("\"price\":10");
        }

        JsonNode report = awaitVerdicts(tenant, "different", 3).path("report");
        assertThat(report.path("ready").asBoolean()).isFalse();
        assertThat(gate(report, "match_lower_bound").path("passed").asBoolean()).isFalse();
        JsonNode top = report.path("topFields").path("GET /prices/{id}");
        assertThat(top.get(0).path("field").asText()).isEqualTo("price");
        assertThat(top.get(0).path("count").asLong()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void aRouteDeclaredIdempotentIsShadowedWithItsBody(ClientProtocol protocol) {
        String tenant = "search-" + protocol.name().toLowerCase(java.util.Locale.ROOT);
        router.countExchangesFromHere();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> answer = router.send(
                    protocol,
                    HttpRequest.newBuilder(router.uri("/search"))
                            .header("X-Tenant-Id", tenant)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"q\":\"red shoes\"}"))
                            .build());
            assertThat(answer.body()).isEqualTo("{\"hits\":[1,2]}");
        }
        router.assertServedBy(protocol);

        awaitVerdicts(tenant, "match", 2);
        backends.of(Backend.NEW)
                .verify(
                        2,
                        postRequestedFor(urlPathEqualTo("/search"))
                                .withHeader("X-Ferry-Shadow", equalTo("1"))
                                .withHeader("X-Tenant-Id", equalTo(tenant))
                                .withRequestBody(equalTo("{\"q\":\"red shoes\"}")));
    }

    @Test
    void aFieldTheRulesIgnoreMatches() {
        for (int i = 0; i < 3; i++) {
            router.get("ignored", "/stamped/1");
        }
        assertThat(awaitVerdicts("ignored", "match", 3)
                        .path("report")
                        .path("ready")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void anArrayTheRulesCallUnorderedMatchesInAnotherOrder() {
        for (int i = 0; i < 3; i++) {
            router.get("reordered", "/tags/1");
        }
        JsonNode tenant = awaitVerdicts("reordered", "match", 3);
        assertThat(tenant.path("window").path("verdicts").path("different").asLong())
                .isZero();
    }

    @Test
    void aFieldThatDiffersBetweenTwoAnswersOfLegacyIsNoise() {
        for (int i = 0; i < 5; i++) {
            router.get("noisy", "/noisy/1");
        }
        // the first requests of a route are always asked of legacy twice, so the noise is known at once
        JsonNode tenant = awaitVerdicts("noisy", "noise", 5);
        assertThat(tenant.path("window").path("verdicts").path("different").asLong())
                .isZero();
    }

    @Test
    void aReadJustAfterAWriteThatNewShowsOnlyLaterIsLagNotADifference() {
        HttpResponse<String> write = RunningRouter.send(HttpRequest.newBuilder(router.uri("/balance"))
                .header("X-Tenant-Id", "lagging")
                .POST(HttpRequest.BodyPublishers.ofString("{\"add\":5}"))
                .build());
        assertThat(write.statusCode()).isEqualTo(200);
        router.get("lagging", "/balance");

        JsonNode tenant = awaitVerdicts("lagging", "lag", 1);
        assertThat(tenant.path("window").path("verdicts").path("different").asLong())
                .isZero();
        // the write itself went to legacy only: a POST is never shadowed
        backends.of(Backend.NEW).verify(0, postRequestedFor(urlPathEqualTo("/balance")));
        backends.of(Backend.NEW).verify(2, getRequestedFor(urlPathEqualTo("/balance")));
    }

    @Test
    void aSlowNewFailsTheLatencyGateThoughEveryAnswerMatches() {
        for (int i = 0; i < 3; i++) {
            router.get("slow", "/slow/1");
        }
        JsonNode report = awaitVerdicts("slow", "match", 3).path("report");
        assertThat(report.path("ready").asBoolean()).isFalse();
        assertThat(gate(report, "latency_p99").path("passed").asBoolean()).isFalse();
        assertThat(gate(report, "latency_p99").path("reason").asText()).contains("p99 new");
    }

    @Test
    void aReadNeitherBackendAnswersIsNotCountedAsEvidence() {
        assertThat(router.get("unanswered", "/flaky/1").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(router.metrics())
                .containsPattern("ferry_shadow_dropped_total\\{reason=\"both_failed\"} [1-9]"));
        JsonNode tenant = shadow("unanswered");
        assertThat(tenant.path("report").path("compared").asLong()).isZero();
        assertThat(tenant.path("window").path("verdicts").path("match").asLong())
                .isZero();
    }

    @Test
    void aTenantNotInTheShadowFlagIsNeverShadowed() {
        router.get("unlisted", "/orders/1");
        router.get("posting", "/orders/1");
        awaitVerdicts("posting", "match", 1);
        backends.of(Backend.NEW)
                .verify(
                        0,
                        getRequestedFor(urlPathMatching("/orders/.*")).withHeader("X-Tenant-Id", equalTo("unlisted")));
        assertThat(shadow("unlisted").path("shadowed").asBoolean()).isFalse();
        assertThat(shadow("unlisted").path("report").path("compared").asLong()).isZero();
    }

    @Test
    void theMetricsShowVerdictsAndEachShadowedTenantsReadiness() {
        router.get("ignored", "/stamped/1");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(router.metrics())
                .contains("ferry_shadow_requests_total{verdict=\"match\"}")
                .contains("ferry_shadow_readiness_lower_bound{tenant=\"ignored\"}")
                .contains("ferry_shadow_ready{tenant=\"slow\"}")
                .contains("ferry_shadow_dropped_total{reason=\"queue_full\"} 0.0"));
    }

    private static JsonNode gate(JsonNode report, String name) {
        for (JsonNode g : report.path("gates")) {
            if (g.path("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name + " in " + report);
    }

    private static JsonNode awaitVerdicts(String tenant, String verdict, long count) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(shadow(tenant)
                        .path("window")
                        .path("verdicts")
                        .path(verdict)
                        .asLong())
                .as(() -> shadow(tenant).toString())
                .isEqualTo(count));
        return shadow(tenant);
    }

    static JsonNode shadow(String tenant) {
        try {
            return JSON.readTree(router.admin("/shadow/tenants/" + tenant).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> shadowLines(String tenant) {
        List<JsonNode> lines = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            lines.clear();
            for (String line : Files.readAllLines(accessLog)) {
                JsonNode node = JSON.readTree(line);
                if (node.path("ferry.tenant").asText().equals(tenant)
                        && node.path("ferry.outcome").asText().equals("shadow")) {
                    lines.add(node);
                }
            }
            assertThat(lines).hasSizeGreaterThanOrEqualTo(6);
        });
        return lines;
    }
}
