package dev.ferry.loadtest;

import java.util.Arrays;

/**
 * Response times of one group of requests in nanoseconds, as the simulation itself takes them around each request:
 * Gatling's own figures are whole milliseconds, too coarse to tell two groups apart by a fraction of one. Safe to call
 * from any thread.
 */
final class Latencies {
    private long[] nanos = new long[1024];
    private int count;

    synchronized void add(long value) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = value;
    }

    synchronized int count() {
        return count;
    }

    /** Nearest rank: the smallest time that at least {@code percent} % of the requests did not exceed. */
    static long percentile(long[] sorted, double percent) {
        if (sorted.length == 0) {
            return 0;
        }
        // less a hair: 99.9 % of 2,000 is rank 1,998, not the 1,999 that 99.9 / 100 * 2000 rounds up to in binary
        int rank = (int) Math.ceil(percent * sorted.length / 100 - 1e-9);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Count, p50, p99, p99.9 and max, in milliseconds with three decimals (microseconds). */
    record Summary(int requests, double p50Ms, double p99Ms, double p999Ms, double maxMs) {}

    Summary summary() {
        long[] sorted;
        synchronized (this) {
            sorted = Arrays.copyOf(nanos, count);
        }
        Arrays.sort(sorted);
        return new Summary(
                sorted.length,
                millis(percentile(sorted, 50)),
                millis(percentile(sorted, 99)),
                millis(percentile(sorted, 99.9)),
                millis(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
    }

    static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
