package dev.ferry.router.shadow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * What one tenant's shadow reads showed over a window, as counts: a {@link TenantTally}'s snapshot, which {@link
 * Readiness#evaluate} judges. Windows of several replicas add up ({@link #merge}): every count is a sum and the
 * latencies are samples, so the fleet's readiness is judged on the fleet's evidence.
 *
 * @param verdicts compared requests by verdict
 * @param used requests per route the tenant made that could be shadowed, whether or not they were
 * @param compared verdicts per route, pending rechecks left out
 * @param statusClassMismatches DIFFERENT verdicts with a standing status-class difference
 * @param observed requests both backends were asked, every verdict
 * @param legacyFailures of those, legacy's failures and 5xx; {@code newFailures} new's
 * @param legacyLatencyNanos legacy's latest latencies (failures left out); {@code newLatencyNanos} new's
 * @param differingFields standing differences of DIFFERENT verdicts per route and field, most first
 */
public record TenantWindow(
        Map<DiffVerdict, Long> verdicts,
        Map<Route, Long> used,
        Map<Route, Long> compared,
        long statusClassMismatches,
        long observed,
        long legacyFailures,
        long newFailures,
        long[] legacyLatencyNanos,
        long[] newLatencyNanos,
        Map<Route, List<FieldCount>> differingFields) {

    public TenantWindow {
        verdicts = Map.copyOf(verdicts);
        used = Map.copyOf(used);
        compared = Map.copyOf(compared);
        legacyLatencyNanos = legacyLatencyNanos.clone();
        newLatencyNanos = newLatencyNanos.clone();
        differingFields = Map.copyOf(differingFields);
    }

    /** Nothing seen yet. */
    public static TenantWindow empty() {
        return new TenantWindow(Map.of(), Map.of(), Map.of(), 0, 0, 0, 0, new long[0], new long[0], Map.of());
    }

    /** How many compared requests had this verdict. */
    public long count(DiffVerdict verdict) {
        return verdicts.getOrDefault(verdict, 0L);
    }

    @Override
    public long[] legacyLatencyNanos() {
        return legacyLatencyNanos.clone();
    }

    @Override
    public long[] newLatencyNanos() {
        return newLatencyNanos.clone();
    }

    /** p99 of legacy's latency over its answers kept (nearest rank), empty without any. */
    public OptionalLong legacyP99Nanos() {
        return p99(legacyLatencyNanos);
    }

    /** p99 of new's latency over its answers kept, empty without any. */
    public OptionalLong newP99Nanos() {
        return p99(newLatencyNanos);
    }

    /** Nearest rank: the smallest value at or above 99 % of the values. */
    static OptionalLong p99(long[] values) {
        if (values.length == 0) {
            return OptionalLong.empty();
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return OptionalLong.of(sorted[(int) Math.ceil(0.99 * sorted.length) - 1]);
    }

    /** The windows of several replicas as one: counts summed, latency samples pooled, fields per route summed. */
    public static TenantWindow merge(List<TenantWindow> windows) {
        Map<DiffVerdict, Long> verdicts = new EnumMap<>(DiffVerdict.class);
        Map<Route, Long> used = new HashMap<>();
        Map<Route, Long> compared = new HashMap<>();
        Map<Route, Map<Field, Long>> fields = new HashMap<>();
        long mismatches = 0;
        long observed = 0;
        long legacyFailures = 0;
        long newFailures = 0;
        List<long[]> legacy = new ArrayList<>();
        List<long[]> candidate = new ArrayList<>();
        for (TenantWindow w : windows) {
            w.verdicts.forEach((k, v) -> verdicts.merge(k, v, Long::sum));
            w.used.forEach((k, v) -> used.merge(k, v, Long::sum));
            w.compared.forEach((k, v) -> compared.merge(k, v, Long::sum));
            w.differingFields.forEach((route, counts) -> counts.forEach(
                    c -> fields.computeIfAbsent(route, r -> new HashMap<>()).merge(c.field(), c.count(), Long::sum)));
            mismatches += w.statusClassMismatches;
            observed += w.observed;
            legacyFailures += w.legacyFailures;
            newFailures += w.newFailures;
            legacy.add(w.legacyLatencyNanos);
            candidate.add(w.newLatencyNanos);
        }
        return new TenantWindow(
                verdicts,
                used,
                compared,
                mismatches,
                observed,
                legacyFailures,
                newFailures,
                concat(legacy),
                concat(candidate),
                sortedCounts(fields));
    }

    /** Counts per route, each route's fields most first (then by name). */
    static Map<Route, List<FieldCount>> sortedCounts(Map<Route, Map<Field, Long>> fields) {
        return fields.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().entrySet().stream()
                        .map(f -> new FieldCount(f.getKey(), f.getValue()))
                        .sorted(Comparator.comparingLong(FieldCount::count)
                                .reversed()
                                .thenComparing(f -> f.field().toString()))
                        .toList()));
    }

    private static long[] concat(List<long[]> parts) {
        return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }
}
