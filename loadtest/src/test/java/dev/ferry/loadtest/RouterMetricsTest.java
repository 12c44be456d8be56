package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterMetricsTest {
    private static final String TEXT =
            """
            # HELP ferry_shadow_dropped_total Requests of shadowed tenants not shadowed, by reason
            # TYPE ferry_shadow_dropped_total counter
            ferry_shadow_dropped_total{reason="has_body",} 0.0
            ferry_shadow_dropped_total{reason="rate",} 126.0
            ferry_shadow_queued 3.0
            ferry_shadow_requests_total{verdict="different",} 2.0
            ferry_shadow_requests_total{verdict="match",} 100.0
            """;

    @Test
    void addsUpAMetricsSeriesAndSplitsThemByALabel() {
        RouterMetrics metrics = RouterMetrics.parse(TEXT);

        assertThat(metrics.sum("ferry_shadow_requests_total")).isEqualTo(102.0);
        assertThat(metrics.sum("ferry_shadow_queued")).isEqualTo(3.0);
        assertThat(metrics.sum("ferry_shadow_in_flight")).isZero();
        assertThat(metrics.byLabel("ferry_shadow_dropped_total", "reason"))
                .isEqualTo(Map.of("has_body", 0.0, "rate", 126.0));
    }

    @Test
    void countsWhatACounterGainedSinceAnEarlierScrape() {
        RouterMetrics earlier = RouterMetrics.parse("ferry_shadow_requests_total{verdict=\"match\",} 40.0\n");

        assertThat(RouterMetrics.parse(TEXT).since(earlier, "ferry_shadow_requests_total", "verdict"))
                .isEqualTo(Map.of("different", 2L, "match", 60L));
    }
}
