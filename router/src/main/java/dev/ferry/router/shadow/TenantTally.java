package dev.ferry.router.shadow;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts one tenant's shadow reads over a window, for {@link Readiness}. Latencies are kept for the last {@code
 * latencySamples} answers of each backend. Fields per route are bounded as in {@link NoiseFilter}. Safe for concurrent
 * use (each call is short).
 */
public final class TenantTally {
    private final Map<DiffVerdict, Long> verdicts = new EnumMap<>(DiffVerdict.class);
    private final Map<Route, Long> used = new HashMap<>();
    private final Map<Route, Long> compared = new HashMap<>();
    private final Map<Route, Map<Field, Long>> fields = new HashMap<>();
    private final Ring legacyLatencies;
    private final Ring newLatencies;
    private long statusClassMismatches;
    private long observed;
    private long legacyFailures;
    private long newFailures;

    public TenantTally(int latencySamples) {
        if (latencySamples <= 0) {
            throw new IllegalArgumentException("latencySamples: " + latencySamples + " (expected: > 0)");
        }
        this.legacyLatencies = new Ring(latencySamples);
        this.newLatencies = new Ring(latencySamples);
    }

    /** The tenant made a request on this route that could have been shadowed (sampled out or not). */
    public synchronized void used(Route route) {
        used.merge(route, 1L, Long::sum);
    }

    /** One compared request: its judgement and both answers. The route counts as used. */
    public synchronized void record(Route route, Judgement judgement, Exchange legacy, Exchange candidate) {
        used(route);
        observed++;
        verdicts.merge(judgement.verdict(), 1L, Long::sum);
        if (judgement.verdict() != DiffVerdict.LAG_PENDING_RECHECK) {
            compared.merge(route, 1L, Long::sum);
        }
        if (judgement.verdict() == DiffVerdict.DIFFERENT) {
            statusClassMismatches += judgement.statusClassMismatch() ? 1 : 0;
            Map<Field, Long> counts = fields.computeIfAbsent(route, r -> new HashMap<>());
            judgement.standing().stream()
                    .map(Difference::field)
                    .distinct()
                    .forEach(f -> counts.merge(
                            counts.containsKey(f) || counts.size() < NoiseFilter.MAX_FIELDS_PER_ROUTE ? f : Field.OTHER,
                            1L,
                            Long::sum));
        }
        legacyFailures += legacy.failed() ? 1 : 0;
        newFailures += candidate.failed() ? 1 : 0;
        if (legacy.error() == ExchangeError.NONE) {
            legacyLatencies.add(legacy.latencyNanos());
        }
        if (candidate.error() == ExchangeError.NONE) {
            newLatencies.add(candidate.latencyNanos());
        }
    }

    /** What was counted so far. */
    public synchronized TenantWindow window() {
        return new TenantWindow(
                verdicts,
                used,
                compared,
                statusClassMismatches,
                observed,
                legacyFailures,
                newFailures,
                legacyLatencies.values(),
                newLatencies.values(),
                TenantWindow.sortedCounts(fields));
    }

    /** The last {@code capacity} values. */
    private static final class Ring {
        private final long[] values;
        private int size;
        private int next;

        Ring(int capacity) {
            values = new long[capacity];
        }

        void add(long value) {
            values[next] = value;
            next = (next + 1) % values.length;
            size = Math.min(size + 1, values.length);
        }

        long[] values() {
            return Arrays.copyOf(values, size);
        }
    }
}
