package dev.ferry.admin.readiness;

import dev.ferry.router.shadow.GateResult;
import dev.ferry.router.shadow.ReadinessBar;
import dev.ferry.router.shadow.ReadinessReport;
import dev.ferry.router.shadow.ShadowJson;
import java.net.URI;
import java.util.List;

/**
 * A tenant's readiness for the fleet: the report on every replica's window merged, or why it is unknown.
 *
 * @param replicas how many replicas the evidence comes from
 * @param bar the bar every replica reported (null when unknown)
 * @param report the merged window judged against it (null when unknown)
 * @param unknownBecause why the readiness is unknown (a replica unreachable, bars that differ), or null
 * @param notShadowing replicas that do not shadow the tenant now (their flag state is older, or it is not listed)
 */
public record TenantReadiness(
        String tenant,
        int replicas,
        ReadinessBar bar,
        ReadinessReport report,
        String unknownBecause,
        List<URI> notShadowing) {

    public TenantReadiness {
        notShadowing = List.copyOf(notShadowing);
    }

    static TenantReadiness unknown(String tenant, int replicas, String why) {
        return new TenantReadiness(tenant, replicas, null, null, why, List.of());
    }

    /** Whether the fleet's evidence could be read and judged. */
    public boolean known() {
        return report != null;
    }

    /**
     * Known, every gate passed, and every replica shadows the tenant: one that does not (its flag state is older, or
     * shadow reads are off there) adds nothing to the evidence, and what new answers through it was never compared.
     */
    public boolean ready() {
        return known() && report.ready() && notShadowing.isEmpty();
    }

    /** The gates that failed, or the one reason it is unknown. */
    public List<String> failures() {
        if (!known()) {
            return List.of("readiness unknown: " + unknownBecause);
        }
        List<String> failed = new java.util.ArrayList<>(report.gates().stream()
                .filter(g -> !g.passed())
                .map(TenantReadiness::describe)
                .toList());
        if (!notShadowing.isEmpty()) {
            failed.add(NOT_SHADOWED_EVERYWHERE + ": " + notShadowing + " do not shadow " + tenant + " (expected: every"
                    + " replica, with shadow.enabled and the same shadow.flag; a replica whose flag state is a poll"
                    + " behind catches up within seconds)");
        }
        return failed;
    }

    /** The gate a tenant fails when a replica does not shadow it. */
    public static final String NOT_SHADOWED_EVERYWHERE = "shadowed_on_every_replica";

    /** The names of the gates that failed ({@code min_compared}), or {@code unknown}. */
    public List<String> failedGates() {
        if (!known()) {
            return List.of("unknown");
        }
        List<String> failed = new java.util.ArrayList<>(report.gates().stream()
                .filter(g -> !g.passed())
                .map(g -> ShadowJson.name(g.gate()))
                .toList());
        if (!notShadowing.isEmpty()) {
            failed.add(NOT_SHADOWED_EVERYWHERE);
        }
        return failed;
    }

    static String describe(GateResult g) {
        return ShadowJson.name(g.gate()) + ": " + g.reason();
    }
}
