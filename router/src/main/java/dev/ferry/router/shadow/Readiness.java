package dev.ferry.router.shadow;

import dev.ferry.router.shadow.GateResult.Gate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Whether a tenant is ready to move, from its {@link TenantWindow}, against a {@link ReadinessBar}.
 *
 * <p>The score is the share of compared requests on which new answered as legacy did, {@code (MATCH + NOISE + LAG) /
 * (MATCH + NOISE + LAG + DIFFERENT)}: a request whose only differences are in noisy fields matched on everything
 * else, and one that matched once replication caught up matched; rechecks still pending are left out. It is judged by the lower
 * bound of its Wilson score interval at 95 % ({@code z = 1.96}), so that few comparisons cannot look good: 3 of 3 give
 * 0.44, not 1.
 *
 * <pre>
 *   lower = (p + z²/2n - z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n),  p = matched / n;  0 when n = 0
 * </pre>
 */
public final class Readiness {
    /** Standing differences shown per route. */
    public static final int TOP_FIELDS = 10;

    /** The 97.5th percentile of the standard normal distribution: a two-sided 95 % interval. */
    static final double Z_95 = 1.959963984540054;

    private Readiness() {}

    /** Wilson's lower bound at 95 % of {@code successes} out of {@code trials}; 0 without trials. */
    public static double wilsonLowerBound(long successes, long trials) {
        if (successes < 0 || successes > trials) {
            throw new IllegalArgumentException(
                    "successes: " + successes + " of " + trials + " (expected: 0 to trials)");
        }
        if (trials == 0) {
            return 0;
        }
        double n = trials;
        double p = successes / n;
        double z2 = Z_95 * Z_95;
        double centre = p + z2 / (2 * n);
        double spread = Z_95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.max(0, (centre - spread) / (1 + z2 / n));
    }

    /** The report: score, lower bound, every gate, top standing differences. */
    public static ReadinessReport evaluate(TenantWindow window, ReadinessBar bar) {
        long matched = matched(window);
        long compared = matched + window.count(DiffVerdict.DIFFERENT);
        double rate = compared == 0 ? 0 : (double) matched / compared;
        double lower = wilsonLowerBound(matched, compared);
        List<GateResult> gates = List.of(
                lowerBound(lower, matched, compared, bar),
                minCompared(compared, bar),
                coverage(window, bar),
                statusClass(window),
                latency(window, bar),
                errorRate(window, bar));
        Map<Route, List<FieldCount>> top = window.differingFields().entrySet().stream()
                .collect(Collectors.toMap(
                        Map.Entry::getKey,
                        e -> e.getValue().stream().limit(TOP_FIELDS).toList()));
        return new ReadinessReport(compared, matched, rate, lower, window.verdicts(), gates, top);
    }

    /**
     * Requests on which new answered as legacy did: equal ({@code MATCH}), different only where legacy differs from
     * itself ({@code NOISE}), or equal once replication caught up ({@code LAG}).
     */
    static long matched(TenantWindow window) {
        return window.count(DiffVerdict.MATCH) + window.count(DiffVerdict.NOISE) + window.count(DiffVerdict.LAG);
    }

    private static GateResult lowerBound(double lower, long matched, long compared, ReadinessBar bar) {
        return new GateResult(
                Gate.MATCH_LOWER_BOUND,
                lower >= bar.minLowerBound(),
                String.format(
                        "%d of %d compared requests match: lower bound %.4f (expected: >= %s)",
                        matched, compared, lower, bar.minLowerBound()));
    }

    private static GateResult minCompared(long compared, ReadinessBar bar) {
        return new GateResult(
                Gate.MIN_COMPARED,
                compared >= bar.minCompared(),
                compared + " compared requests (expected: >= " + bar.minCompared() + ")");
    }

    private static GateResult coverage(TenantWindow window, ReadinessBar bar) {
        Map<String, Long> thin = new TreeMap<>();
        window.used().keySet().forEach(route -> {
            long n = window.compared().getOrDefault(route, 0L);
            if (n < bar.minPerRoute()) {
                thin.put(route.name(), n);
            }
        });
        String reason = thin.isEmpty()
                ? "all " + window.used().size() + " routes used have >= " + bar.minPerRoute() + " compared requests"
                : "routes compared too rarely " + thin + " (expected: >= " + bar.minPerRoute() + " each)";
        return new GateResult(Gate.ROUTE_COVERAGE, thin.isEmpty(), reason);
    }

    private static GateResult statusClass(TenantWindow window) {
        long n = window.statusClassMismatches();
        return new GateResult(
                Gate.NO_STATUS_CLASS_MISMATCH,
                n == 0,
                n + " different requests with another status class (expected: 0)");
    }

    private static GateResult latency(TenantWindow window, ReadinessBar bar) {
        OptionalLong legacy = window.legacyP99Nanos();
        OptionalLong candidate = window.newP99Nanos();
        if (legacy.isEmpty() || candidate.isEmpty()) {
            return new GateResult(
                    Gate.LATENCY_P99,
                    false,
                    "no latency of " + (legacy.isEmpty() ? "legacy" : "new") + " yet (expected: answers from both)");
        }
        long margin = Math.max(
                (long) (legacy.getAsLong() * bar.latencyMarginRatio()),
                bar.latencyMarginFloor().toNanos());
        long allowed = legacy.getAsLong() + margin;
        return new GateResult(
                Gate.LATENCY_P99,
                candidate.getAsLong() <= allowed,
                String.format(
                        "p99 new %s, legacy %s (expected: new <= %s, legacy + max(%s %%, %s))",
                        millis(candidate.getAsLong()),
                        millis(legacy.getAsLong()),
                        millis(allowed),
                        bar.latencyMarginRatio() * 100,
                        millis(bar.latencyMarginFloor().toNanos())));
    }

    private static GateResult errorRate(TenantWindow window, ReadinessBar bar) {
        long n = window.observed();
        double legacy = n == 0 ? 0 : (double) window.legacyFailures() / n;
        double candidate = n == 0 ? 0 : (double) window.newFailures() / n;
        return new GateResult(
                Gate.ERROR_RATE,
                candidate <= legacy + bar.errorRateMargin(),
                String.format(
                        "error rate new %.2f %%, legacy %.2f %% of %d (expected: new <= legacy + %.2f points)",
                        candidate * 100, legacy * 100, n, bar.errorRateMargin() * 100));
    }

    private static String millis(long nanos) {
        return String.format("%.1f ms", Duration.ofNanos(nanos).toNanos() / 1e6);
    }
}
