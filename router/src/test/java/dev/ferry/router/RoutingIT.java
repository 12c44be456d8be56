package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real router in front of two WireMock backends, the real SDK polling a WireMock-served Unleash API. */
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

    @AfterAll
    static void stop() {
        router.close();
        unleash.close();
        backends.close();
    }

    @ParameterizedTest
    @CsvSource({"acme,legacy", "globex,new", "GLOBEX,new", "initech,new", "umbrella,legacy"})
    void routesEachTenantToTheBackendItsFlagNames(String tenant, String backend) {
        HttpResponse<String> response = router.get(tenant, "/orders/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("served by " + backend);
        assertThat(response.headers().firstValue("X-Ferry-Backend")).hasValue(backend);
    }

    @Test
    void movesATenantWhenTheFlagChangesWithoutARestart() {
        assertThat(router.get("hooli", "/").body()).isEqualTo("served by legacy");

        unleash.tenantsOnNew("globex", "initech", "hooli");

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(router.get("hooli", "/").body()).isEqualTo("served by new"));
        assertThat(router.admin("/routing/tenants/hooli").body())
                .contains("\"backend\":\"new\"", "\"reason\":\"flag_on\"", "\"origin\":\"unleash\"");
    }

    @Test
    void answers400NamingTheHeaderWhenTheRequestNamesNoTenant() {
        HttpResponse<String> response = router.get(null, "/");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("tenant_missing");
        assertThat(response.body())
                .isEqualTo("{\"error\":\"tenant_missing\",\"message\":\"the request names no tenant (expected: header"
                        + " 'X-Tenant-Id')\"}");
    }

    @Test
    void exportsRequestsPerBackendForTheSplitRatio() {
        router.get("acme", "/");
        router.get("globex", "/");

        String metrics = router.metrics();
        assertThat(metrics)
                .containsPattern(
                        "ferry_requests_seconds_count\\{backend=\"legacy\",method=\"GET\",outcome=\"forwarded\","
                                + "status_class=\"2xx\"} [1-9]")
                .containsPattern("ferry_requests_seconds_count\\{backend=\"new\",method=\"GET\",outcome=\"forwarded\","
                        + "status_class=\"2xx\"} [1-9]")
                .contains("ferry_routing_decisions_total{backend=\"new\",reason=\"flag_on\"}")
                .contains("ferry_flags_age_seconds ")
                .contains("ferry_breaker_state{backend=\"legacy\",state=\"closed\"} 1.0")
                .contains("ferry_routing_cache_lookups_total{result=\"hit\"}")
                .doesNotContain("acme");
    }

    @Test
    void answers400ForATenantLookupThatIsNotValidPercentEncoding() throws Exception {
        String response = dev.ferry.router.testing.RawHttp.exchange(
                router.router().adminPort(),
                "GET /routing/tenants/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400").contains("\"error\":\"tenant_invalid\"");
    }
}
