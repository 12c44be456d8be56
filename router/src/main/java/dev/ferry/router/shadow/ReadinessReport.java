package dev.ferry.router.shadow;

import java.util.List;
import java.util.Map;

/**
 * A tenant's readiness: its match rate over compared requests (MATCH, NOISE and LAG match; DIFFERENT does not; pending
 * rechecks are left out), Wilson's lower bound of it, every gate with its reason, and the most frequent standing differences per
 * route (at most {@link Readiness#TOP_FIELDS} each).
 */
public record ReadinessReport(
        long compared,
        long matched,
        double matchRate,
        double lowerBound,
        Map<DiffVerdict, Long> verdicts,
        List<GateResult> gates,
        Map<Route, List<FieldCount>> topFields) {

    public ReadinessReport {
        verdicts = Map.copyOf(verdicts);
        gates = List.copyOf(gates);
        topFields = Map.copyOf(topFields);
    }

    /** Every gate passed. */
    public boolean ready() {
        return gates.stream().allMatch(GateResult::passed);
    }

    /** The result of one gate. */
    public GateResult gate(GateResult.Gate gate) {
        return gates.stream().filter(g -> g.gate() == gate).findFirst().orElseThrow();
    }
}
