package dev.ferry.admin.readiness;

import dev.ferry.router.shadow.Readiness;
import dev.ferry.router.shadow.ReadinessBar;
import dev.ferry.router.shadow.ShadowJson;
import dev.ferry.router.shadow.TenantWindow;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's readiness of a tenant: every replica's window merged ({@link TenantWindow#merge}) and judged by the
 * router's own {@link Readiness#evaluate} against the bar the replicas report. It fails closed: a replica that did not
 * answer, or bars that differ, make the readiness unknown, naming the replica or the bars.
 */
public final class FleetReadiness {
    private FleetReadiness() {}

    public static TenantReadiness of(String tenant, List<ReplicaShadow> replicas) {
        if (replicas.isEmpty()) {
            return TenantReadiness.unknown(
                    tenant,
                    0,
                    "no router replica was asked (expected: --router URL for every"
                            + " replica, or FLAGS_ADMIN_ROUTERS)");
        }
        List<String> problems = new ArrayList<>();
        replicas.stream().filter(r -> !r.usable()).forEach(r -> problems.add(r.problem()));
        if (!problems.isEmpty()) {
            return TenantReadiness.unknown(
                    tenant,
                    replicas.size(),
                    problems.size() + " of " + replicas.size() + " replica(s) gave no usable answer: "
                            + String.join("; ", problems) + " (every replica's evidence is needed: a replica left out"
                            + " may hold the differences)");
        }
        Map<String, URI> instances = new LinkedHashMap<>();
        for (ReplicaShadow r : replicas) {
            URI first = r.instance() == null ? null : instances.putIfAbsent(r.instance(), r.router());
            if (first != null) {
                return TenantReadiness.unknown(
                        tenant,
                        replicas.size(),
                        "the same replica answered twice, at " + first + " and " + r.router() + " (expected: each"
                                + " replica once in --router; its evidence would count twice)");
            }
            if (Boolean.FALSE.equals(r.enabled())) {
                return TenantReadiness.unknown(
                        tenant,
                        replicas.size(),
                        r.router() + " has shadow reads off (shadow.enabled: false; expected: on, on every replica)");
            }
        }
        Map<ReadinessBar, List<URI>> bars = new LinkedHashMap<>();
        replicas.forEach(
                r -> bars.computeIfAbsent(r.bar(), b -> new ArrayList<>()).add(r.router()));
        if (bars.size() > 1) {
            List<String> each = new ArrayList<>();
            bars.forEach((bar, routers) -> each.add(routers + " " + ShadowJson.bar(bar)));
            return TenantReadiness.unknown(
                    tenant,
                    replicas.size(),
                    "the replicas judge by different bars: " + String.join("; ", each)
                            + " (expected: the same shadow.readiness.* on every replica)");
        }
        ReadinessBar bar = bars.keySet().iterator().next();
        List<TenantWindow> windows = new ArrayList<>();
        List<URI> notShadowing = new ArrayList<>();
        for (ReplicaShadow r : replicas) {
            ReplicaShadow.Tally tally = r.tally(tenant);
            windows.add(tally.window());
            if (!tally.shadowed()) {
                notShadowing.add(r.router());
            }
        }
        return new TenantReadiness(
                tenant, replicas.size(), bar, Readiness.evaluate(TenantWindow.merge(windows), bar), null, notShadowing);
    }
}
