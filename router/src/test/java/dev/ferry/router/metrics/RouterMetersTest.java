package dev.ferry.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.routing.RoutingDecision.Reason;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouterMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RouterMeters meters = new RouterMeters(registry);

    @Test
    void recordsAForwardedRequestWithItsBackendMethodStatusClassAndOutcome() {
        meters.recordExchange(
                Transport.REACTOR,
                Backend.NEW,
                HttpMethod.GET,
                200,
                null,
                false,
                0,
                0,
                Duration.ofMillis(12).toNanos());

        Timer timer = requests("new", "GET", "2xx", "forwarded");
        assertThat(timer.count()).isEqualTo(1);
        assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12.0);
    }

    @Test
    void countsEachExchangeUnderItsTransportAndItsBodyBytesUnderItsBackend() {
        meters.recordExchange(Transport.FAST, Backend.LEGACY, HttpMethod.POST, 200, null, false, 1024, 7, 1);
        meters.recordExchange(Transport.FAST, Backend.LEGACY, HttpMethod.GET, 200, null, false, 0, 7, 1);
        meters.recordExchange(
                Transport.REACTOR, null, HttpMethod.GET, 400, ProxyFailure.TENANT_MISSING, false, 0, 0, 1);

        assertThat(registry.get(RouterMeters.TRANSPORT_EXCHANGES)
                        .tag("transport", "fast")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(RouterMeters.TRANSPORT_EXCHANGES)
                        .tag("transport", "reactor")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(bytes("legacy", "received")).isEqualTo(1024);
        assertThat(bytes("legacy", "sent")).isEqualTo(14);
        assertThat(bytes("none", "sent")).isZero();
    }

    private double bytes(String backend, String direction) {
        return registry.get(RouterMeters.BYTES)
                .tags("backend", backend, "direction", direction)
                .counter()
                .count();
    }

    @ParameterizedTest(name = "{0} is counted as {1}")
    @CsvSource({
        "GET, GET",
        "HEAD, HEAD",
        "POST, POST",
        "PUT, PUT",
        "PATCH, PATCH",
        "DELETE, DELETE",
        "OPTIONS, OPTIONS",
        "TRACE, TRACE",
        "CONNECT, CONNECT",
        "PROPFIND, OTHER",
        "BREW, OTHER",
        "get, OTHER"
    })
    void namesAStandardMethodAndCountsAnyOtherAsOther(String method, String tag) {
        meters.recordExchange(Transport.FAST, Backend.LEGACY, HttpMethod.valueOf(method), 200, null, false, 0, 0, 1);

        assertThat(requests("legacy", tag, "2xx", "forwarded").count()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "100, 1xx",
        "101, 1xx",
        "204, 2xx",
        "304, 3xx",
        "404, 4xx",
        "500, 5xx",
        "599, 5xx",
        "0, none",
        "99, none",
        "600, none"
    })
    void groupsTheStatusIntoItsClass(int status, String statusClass) {
        meters.recordExchange(Transport.FAST, Backend.NEW, HttpMethod.PUT, status, null, false, 0, 0, 1);

        assertThat(requests("new", "PUT", statusClass, "forwarded").count()).isEqualTo(1);
    }

    @Test
    void namesNoBackendWhenTheRouterAnsweredBeforeChoosingOne() {
        meters.recordExchange(Transport.FAST, null, HttpMethod.GET, 400, ProxyFailure.TENANT_MISSING, false, 0, 0, 1);

        assertThat(requests("none", "GET", "4xx", "tenant_missing").count()).isEqualTo(1);
    }

    @Test
    void recordsAFailureByItsKindEvenWhenTheClientAlsoWentAway() {
        meters.recordExchange(
                Transport.FAST, Backend.LEGACY, HttpMethod.POST, 504, ProxyFailure.BACKEND_TIMEOUT, true, 0, 0, 1);

        assertThat(requests("legacy", "POST", "5xx", "backend_timeout").count()).isEqualTo(1);
    }

    @Test
    void recordsAClientThatWentAwayBeforeTheResponseWasComplete() {
        meters.recordExchange(Transport.FAST, Backend.NEW, HttpMethod.GET, 200, null, true, 0, 0, 1);

        assertThat(requests("new", "GET", "2xx", "client_closed").count()).isEqualTo(1);
    }

    @Test
    void registersTheCommonRequestSeriesBeforeAnyTraffic() {
        for (String backend : new String[] {"legacy", "new"}) {
            for (String method : new String[] {"GET", "POST"}) {
                assertThat(requests(backend, method, "2xx", "forwarded").count())
                        .isZero();
            }
        }
    }

    @Test
    void countsDecisionsByBackendAndReason() {
        meters.decided(Backend.NEW, Reason.FLAG_ON, null);
        meters.decided(Backend.NEW, Reason.FLAG_ON, null);
        meters.decided(Backend.LEGACY, Reason.NO_TENANT_DEFAULT, null);

        assertThat(decisions("new", "flag_on")).isEqualTo(2);
        assertThat(decisions("legacy", "no_tenant_default")).isEqualTo(1);
        assertThat(decisions("legacy", "flag_off")).isZero();
    }

    @Test
    void countsDecisionsUnderTheirRuleAndNoneWithoutOne() {
        meters.decided(Backend.NEW, Reason.WAVE, "wave-3");
        meters.decided(Backend.LEGACY, Reason.FLAG_OFF, "wave-3");
        meters.decided(Backend.LEGACY, Reason.FLAG_OFF, null);

        assertThat(decisions("new", "wave", "wave-3")).isEqualTo(1);
        assertThat(decisions("legacy", "flag_off", "wave-3")).isEqualTo(1);
        assertThat(decisions("legacy", "flag_off", "none")).isEqualTo(1);
    }

    @Test
    void countsRulesPastTheLimitOrWithOverlongNamesAsOther() {
        for (int i = 0; i < RouterMeters.MAX_RULES + 20; i++) {
            meters.decided(Backend.NEW, Reason.WAVE, "wave-" + i);
        }
        meters.decided(Backend.NEW, Reason.WAVE, "w".repeat(65));

        assertThat(registry.find(RouterMeters.DECISIONS).counters().stream()
                        .map(c -> c.getId().getTag("rule"))
                        .distinct())
                .as("every rule up to the limit, and the two fixed tags")
                .hasSize(RouterMeters.MAX_RULES + 2)
                .contains("none", "other", "wave-0", "wave-" + (RouterMeters.MAX_RULES - 1));
        assertThat(decisions("new", "wave", "other")).isEqualTo(21);
        assertThat(decisions("new", "wave", "none")).isZero();
    }

    @Test
    void countsCacheHitsAndMissesApart() {
        meters.cacheLookup(true);
        meters.cacheLookup(false);
        meters.cacheLookup(true);

        assertThat(registry.get(RouterMeters.CACHE_LOOKUPS)
                        .tag("result", "hit")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(RouterMeters.CACHE_LOOKUPS)
                        .tag("result", "miss")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    /**
     * The tenant id is never a tag: every tag key and value comes from a small, closed set. Records one of everything
     * and checks each meter's tags against those sets.
     */
    @Test
    void tagsEveryMeterOnlyWithValuesFromSmallClosedSets() {
        for (Backend backend : Backend.values()) {
            for (ProxyFailure failure : ProxyFailure.values()) {
                meters.recordExchange(
                        Transport.FAST, backend, HttpMethod.valueOf("X-TENANT-ACME"), 503, failure, false, 0, 0, 1);
            }
            for (Reason reason : Reason.values()) {
                meters.decided(backend, reason, null);
            }
        }
        meters.recordExchange(Transport.FAST, null, HttpMethod.DELETE, 0, null, true, 0, 0, 1);
        meters.cacheLookup(true);
        meters.cacheLookup(false);

        Map<String, Set<String>> allowed = new java.util.HashMap<>(Map.of(
                "backend", Set.of("legacy", "new", "none"),
                "method",
                        Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER"),
                "status_class", Set.of("1xx", "2xx", "3xx", "4xx", "5xx", "none"),
                "outcome", outcomes(),
                "reason",
                        Set.of(
                                "flag_on",
                                "flag_off",
                                "wave",
                                "pinned",
                                "moved_back",
                                "flip_back_refused",
                                "no_tenant_default"),
                "result", Set.of("hit", "miss", "passed", "not_passed"),
                "cause", Set.of("move", "stale"),
                "transport", Set.of("fast", "reactor"),
                "direction", Set.of("received", "sent"),
                "limit", Set.of("request_head", "no_request")));
        // rule: the flag's own rule names, bounded by RouterMeters.MAX_RULES (see below); none without one
        allowed.put("rule", Set.of("none"));
        assertThat(registry.getMeters()).isNotEmpty().allSatisfy(meter -> {
            assertThat(meter.getId().getName()).startsWith("ferry.");
            for (Tag tag : meter.getId().getTagsAsIterable()) {
                assertThat(allowed).containsKey(tag.getKey());
                assertThat(allowed.get(tag.getKey())).contains(tag.getValue());
            }
        });
    }

    private static Set<String> outcomes() {
        Set<String> out = new java.util.HashSet<>(Set.of("forwarded", "client_closed", "released", "timed_out"));
        for (ProxyFailure failure : ProxyFailure.values()) {
            out.add(failure.kind());
        }
        return out;
    }

    private Timer requests(String backend, String method, String statusClass, String outcome) {
        return registry.get(RouterMeters.REQUESTS)
                .tags(Tags.of("backend", backend, "method", method, "status_class", statusClass, "outcome", outcome))
                .timer();
    }

    private double decisions(String backend, String reason, String rule) {
        return registry.get(RouterMeters.DECISIONS)
                .tags("backend", backend, "reason", reason, "rule", rule)
                .counter()
                .count();
    }

    private double decisions(String backend, String reason) {
        return registry.get(RouterMeters.DECISIONS)
                .tags("backend", backend, "reason", reason)
                .counter()
                .count();
    }
}
