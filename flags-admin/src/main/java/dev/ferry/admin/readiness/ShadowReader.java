package dev.ferry.admin.readiness;

import dev.ferry.admin.fleet.AdminPort;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Asks every router replica's admin port about shadow reads, one after the other: the tallies of all tenants, of some,
 * or a reset of one tenant's tally. A replica that does not answer is reported, never skipped.
 */
public final class ShadowReader {
    private final AdminPort port;

    public ShadowReader(Duration timeout) {
        this.port = new AdminPort(timeout);
    }

    /**
     * What the fleet said about every tenant its replicas tally.
     *
     * @param replicas each replica's answer, in the order asked
     */
    public record Fleet(List<ReplicaShadow> replicas) {
        public Fleet {
            replicas = List.copyOf(replicas);
        }

        /** Every tenant any replica tallies, sorted. */
        public Set<String> tenants() {
            Set<String> all = new TreeSet<>();
            replicas.forEach(r -> all.addAll(r.tenants().keySet()));
            return all;
        }

        public TenantReadiness readiness(String tenant) {
            return FleetReadiness.of(tenant, replicas);
        }

        /**
         * What an operator should know of the replicas' set-up: a replica that reads another shadow flag than {@code
         * flag} shadows another list than the one written; one with shadow reads off compares none of its share.
         */
        public List<String> warnings(String flag) {
            List<String> warnings = new ArrayList<>();
            for (ReplicaShadow r : replicas) {
                if (r.usable() && r.flag() != null && !r.flag().equals(flag)) {
                    warnings.add(r.router() + " reads shadow flag '" + r.flag() + "', not " + flag + " (--shadow-flag):"
                            + " it shadows another list");
                }
                if (r.usable() && Boolean.FALSE.equals(r.enabled())) {
                    warnings.add(r.router() + " has shadow reads off (shadow.enabled: false): the requests it serves"
                            + " are not compared, and readiness rests on the other replicas' share");
                }
            }
            return warnings;
        }
    }

    /** Every replica's tallies ({@code GET /shadow/tenants}). */
    public Fleet all(List<URI> routers) {
        List<ReplicaShadow> replicas = new ArrayList<>();
        for (URI router : routers) {
            replicas.add(ReplicaShadow.ofList(router, port.get(router, ReplicaShadow.PATH)));
        }
        return new Fleet(replicas);
    }

    /** Above this many tenants, each replica is asked once for all of them rather than once per tenant. */
    static final int ONE_BY_ONE = 10;

    /**
     * The fleet's readiness of each tenant: {@code GET /shadow/tenants/{id}} on every replica, or for many tenants
     * {@code GET /shadow/tenants} once per replica.
     */
    public Map<String, TenantReadiness> readiness(List<URI> routers, Collection<String> tenants) {
        Map<String, TenantReadiness> out = new LinkedHashMap<>();
        if (tenants.size() > ONE_BY_ONE) {
            Fleet fleet = all(routers);
            tenants.forEach(t -> out.put(t, fleet.readiness(t)));
            return out;
        }
        for (String tenant : tenants) {
            List<ReplicaShadow> replicas = new ArrayList<>();
            for (URI router : routers) {
                replicas.add(ReplicaShadow.ofTenant(router, tenant, port.get(router, path(tenant))));
            }
            out.put(tenant, FleetReadiness.of(tenant, replicas));
        }
        return out;
    }

    /**
     * Resets the tenant's tally on every replica ({@code DELETE /shadow/tenants/{id}}), to gather evidence afresh.
     *
     * @return what went wrong, per replica; empty when every one reset it
     */
    public List<String> reset(List<URI> routers, String tenant) {
        List<String> problems = new ArrayList<>();
        for (URI router : routers) {
            AdminPort.Reply reply = port.delete(router, path(tenant));
            if (reply.error() != null || reply.status() / 100 != 2) {
                problems.add(reply.problem() + " (expected: 2xx from a router that serves shadow reads)");
            }
        }
        return problems;
    }

    private static String path(String tenant) {
        return ReplicaShadow.PATH + "/" + AdminPort.segment(tenant);
    }
}
