package dev.ferry.router.shadow;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What one tenant's shadow reads showed over a window, as counts: a {@link TenantTally}'s snapshot, which {@link
 * Readiness#evaluate} judges.
 *
 * @param verdicts compared requests by verdict
 * @param used requests per route the tenant made that could be shadowed, whether or not they were
 * @param compared MATCH and DIFFERENT verdicts per route
 * @param statusClassMismatches DIFFERENT verdicts with a standing status-class difference
 * @param observed requests both backends were asked, every verdict
 * @param legacyFailures of those, legacy's failures and 5xx; {@code newFailures} new's
 * @param legacyP99Nanos p99 of legacy's latency over its answers (failures left out), empty without any
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
        OptionalLong legacyP99Nanos,
        OptionalLong newP99Nanos,
        Map<Route, List<FieldCount>> differingFields) {

    public TenantWindow {
        verdicts = Map.copyOf(verdicts);
        used = Map.copyOf(used);
        compared = Map.copyOf(compared);
        differingFields = Map.copyOf(differingFields);
    }

    /** How many compared requests had this verdict. */
    public long count(DiffVerdict verdict) {
        return verdicts.getOrDefault(verdict, 0L);
    }
}
