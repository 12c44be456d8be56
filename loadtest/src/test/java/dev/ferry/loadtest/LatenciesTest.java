package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void reportsNearestRankPercentilesInMillisecondsToTheMicrosecond() {
        Latencies latencies = new Latencies();
        for (int i = 1; i <= 2000; i++) {
            latencies.add(i * 1_000L + 400); // 1.0004 ms ... 2000.0004 ms
        }

        Latencies.Summary summary = latencies.summary();

        assertThat(summary.requests()).isEqualTo(2000);
        assertThat(summary.p50Ms()).isEqualTo(1.0);
        assertThat(summary.p99Ms()).isEqualTo(1.98);
        assertThat(summary.p999Ms()).isEqualTo(1.998);
        assertThat(summary.maxMs()).isEqualTo(2.0);
    }

    @Test
    void reportsZeroesWhenNothingWasTimed() {
        assertThat(new Latencies().summary()).isEqualTo(new Latencies.Summary(0, 0, 0, 0, 0));
    }
}
