package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real router in front of two WireMock backends, the real SDK polling a WireMock-served Unleash API; requests over
 * HTTP/1.1 (the fast path) and h2c (Reactor Netty).
 */
class RoutingIT {
    static Backends backends;
    static UnleashStub unleash;
    static RunningRouter router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        unleash = new UnleashStub().tenantsOnNew("globex", "initech");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir));
        config.put("forwarding.served-by-header", "X-Ferry-Backend");
        router = RunningRouter.startReady(config);
    }

    @BeforeEach
    void countExchanges() {
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        unleash.close();
        backends.close();
    }

    static Stream<Arguments> tenantsAndTheirBackends() {
        return Stream.of(ClientProtocol.values())
                .flatMap(protocol -> Stream.of(
                        Arguments.of(protocol, "acme", "legacy"),
                        Arguments.of(protocol, "globex", "new"),
                        Arguments.of(protocol, "GLOBEX", "new"),
                        Arguments.of(protocol, "initech", "new"),
                        Arguments.of(protocol, "umbrella", "legacy")));
    }

    @ParameterizedTest
    @MethodSource("tenantsAndTheirBackends")
    void routesEachTenantToTheBackendItsFlagNames(ClientProtocol protocol, String tenant, String backend) {
        HttpResponse<String> response = router.get(protocol, tenant, "/orders/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("served by " + backend);
        assertThat(response.headers().firstValue("X-Ferry-Backend")).hasValue(backend);
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void movesATenantWhenTheFlagChangesWithoutARestart(ClientProtocol protocol) {
        // A tenant of its own per run: a tenant once on new is held there (no implicit flip-back).
        String tenant = "hooli-" + protocol.name().toLowerCase(Locale.ROOT);
        assertThat(router.get(protocol, tenant, "/").body()).isEqualTo("served by legacy");

        unleash.tenantsOnNew("globex", "initech", tenant);

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() ->
                        assertThat(router.get(protocol, tenant, "/").body()).isEqualTo("served by new"));
        assertThat(router.admin("/routing/tenants/" + tenant).body())
                .contains("\"backend\":\"new\"", "\"reason\":\"flag_on\"", "\"origin\":\"unleash\"");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers400NamingTheHeaderWhenTheRequestNamesNoTenant(ClientProtocol protocol) {
        HttpResponse<String> response = router.get(protocol, null, "/");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("tenant_missing");
        assertThat(response.body())
                .isEqualTo("{\"error\":\"tenant_missing\",\"message\":\"the request names no tenant (expected: header"
                        + " 'X-Tenant-Id')\"}");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void exportsRequestsPerBackendForTheSplitRatio(ClientProtocol protocol) {
        router.get(protocol, "acme", "/");
        router.get(protocol, "globex", "/");

        String metrics = router.metrics();
        assertThat(metrics)
                .containsPattern(
                        "ferry_requests_seconds_count\\{backend=\"legacy\",method=\"GET\",outcome=\"forwarded\","
                                + "status_class=\"2xx\"} [1-9]")
                .containsPattern("ferry_requests_seconds_count\\{backend=\"new\",method=\"GET\",outcome=\"forwarded\","
                        + "status_class=\"2xx\"} [1-9]")
                .contains("ferry_routing_decisions_total{backend=\"new\",reason=\"flag_on\",rule=\"")
                .contains("ferry_flags_age_seconds ")
                .contains("ferry_breaker_state{backend=\"legacy\",state=\"closed\"} 1.0")
                .contains("ferry_routing_cache_lookups_total{result=\"hit\"}")
                .doesNotContain("acme");
        router.assertServedBy(protocol);
    }

    @Test
    void answers400ForATenantLookupThatIsNotValidPercentEncoding() throws Exception {
        String response = dev.ferry.router.testing.RawHttp.exchange(
                router.router().adminPort(),
                "GET /routing/tenants/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400").contains("\"error\":\"tenant_invalid\"");
    }
}
