package dev.ferry.admin.readiness;

import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.tenants.Text;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The readiness gate of a move to new, for both front ends: a tenant the shadow flag lists moves only once the fleet's
 * shadow evidence says it is ready (every gate of the router's {@code Readiness} passed on every replica's window
 * merged). Below the bar, or when the evidence cannot be read, the move is refused and nothing is written, unless the
 * operator forces it with a reason; the history then says it was forced and which gates failed. A tenant that is not
 * shadowed has no evidence: the move only says so, unless readiness is required.
 */
public final class ReadinessGate {
    /** The longest note of a forced move kept with the reason (an operator's reason is at most 1000 characters). */
    private static final int MAX_RECORD = 400;

    private final ShadowReader reader;
    private final List<URI> routers;
    private final String shadowFlag;
    private final boolean require;

    /**
     * @param routers every replica's admin URL
     * @param shadowFlag the shadow flag, as the routers' {@code shadow.flag}
     * @param require refuse tenants without shadow evidence too ({@code --require-readiness})
     */
    public ReadinessGate(ShadowReader reader, List<URI> routers, String shadowFlag, boolean require) {
        this.reader = reader;
        this.routers = List.copyOf(routers);
        this.shadowFlag = shadowFlag;
        this.require = require;
    }

    /** No replica to ask, the default shadow flag, readiness not required: every shadowed tenant's move refused. */
    public static ReadinessGate withoutRouters(String shadowFlag) {
        return new ReadinessGate(new ShadowReader(java.time.Duration.ofSeconds(3)), List.of(), shadowFlag, false);
    }

    public String shadowFlag() {
        return shadowFlag;
    }

    public List<URI> routers() {
        return routers;
    }

    public boolean require() {
        return require;
    }

    /** Every replica's tallies, or null when no replica is given. */
    public ShadowReader.Fleet fleet() {
        return routers.isEmpty() ? null : reader.all(routers);
    }

    /**
     * A tenant the gate stops.
     *
     * @param shadowed whether the shadow flag lists it (else: stopped for want of evidence)
     * @param reasons each failed gate with its reason, or why readiness is unknown or missing
     * @param gates the failed gates' names ({@code min_compared}), {@code unknown}, or {@code not_shadowed}
     */
    public record Blocked(String tenant, boolean shadowed, List<String> reasons, List<String> gates) {}

    /**
     * What the gate says of a change.
     *
     * @param blocked the tenants below the bar, without readiness, or (required) without evidence
     * @param readiness the fleet's readiness of every shadowed tenant that moves, ready or not
     * @param notes what the operator should know (tenants moving without evidence)
     * @param forced the operator forces the change past the gate
     */
    public record Verdict(List<Blocked> blocked, List<TenantReadiness> readiness, List<String> notes, boolean forced) {
        public Verdict {
            blocked = List.copyOf(blocked);
            readiness = List.copyOf(readiness);
            notes = List.copyOf(notes);
        }

        /** Nothing to gate: no tenant of the change moves to new. */
        public static Verdict none() {
            return new Verdict(List.of(), List.of(), List.of(), false);
        }

        /** Whether the gate looked at any tenant (a change that moves nobody to new is not looked at). */
        public boolean consulted() {
            return !blocked.isEmpty() || !readiness.isEmpty() || !notes.isEmpty();
        }

        /** The change must not be written. */
        public boolean refused() {
            return !blocked.isEmpty() && !forced;
        }

        /** The change goes ahead past tenants the gate stops. */
        public boolean overridden() {
            return !blocked.isEmpty() && forced;
        }

        /**
         * The operator's reason with what was forced past, for the rules and the history: "{@code data fixed
         * [forced past readiness: acme (match_lower_bound, min_compared)]}".
         */
        public String reason(String operatorReason) {
            if (!overridden()) {
                return operatorReason;
            }
            List<String> each = new ArrayList<>();
            for (Blocked b : blocked) {
                each.add(b.tenant() + " (" + String.join(", ", b.gates()) + ")");
            }
            String record = "[forced past readiness: " + String.join("; ", each) + "]";
            if (record.length() > MAX_RECORD) {
                record = "[forced past readiness: " + Text.count(blocked.size(), "tenant") + ", "
                        + Text.names(blocked.stream().map(Blocked::tenant).toList(), 10) + "]";
            }
            return operatorReason + " " + record;
        }
    }

    /**
     * Checks the tenants the plan moves to new.
     *
     * @param force whether the operator forces the change past the gate (a reason is checked by the front end)
     */
    public Verdict check(TenantMover mover, Plan plan, boolean force) {
        boolean wave = raisesAWave(plan);
        if (movingToNew(plan, Set.of()).isEmpty() && !wave && !changesAWave(plan)) {
            return Verdict.none(); // the shadow flag is not even read: a move back never waits on it
        }
        Set<String> shadowed = new java.util.TreeSet<>(mover.shadowed(shadowFlag));
        List<String> flagProblems = new ArrayList<>();
        if (!routers.isEmpty()) {
            // The replicas say which flag they read and whom they shadow: a --shadow-flag other than theirs would
            // otherwise find nobody shadowed, and let every move through
            for (ReplicaShadow r : reader.all(routers).replicas()) {
                if (r.usable() && r.flag() != null && !r.flag().equals(shadowFlag)) {
                    flagProblems.add(r.router() + " reads shadow flag '" + r.flag() + "', not '" + shadowFlag
                            + "' (expected: --shadow-flag naming the routers' shadow.flag)");
                }
                if (r.usable()) {
                    r.tenants().forEach((t, tally) -> {
                        if (tally.shadowed()) {
                            shadowed.add(t);
                        }
                    });
                }
            }
        }
        Set<String> moving = movingToNew(plan, shadowed);
        List<Blocked> extra = new ArrayList<>();
        if (!flagProblems.isEmpty()) {
            for (String tenant : moving) {
                extra.add(new Blocked(
                        tenant,
                        true,
                        List.of("readiness unknown: " + String.join("; ", flagProblems)),
                        List.of("unknown")));
            }
        }
        if (require && wave) {
            extra.add(new Blocked(
                    "(wave)",
                    false,
                    List.of("a wave moves tenants by percentage, and those not in shadow flag " + shadowFlag
                            + " have no evidence; readiness is required (--require-readiness)"),
                    List.of("not_shadowed")));
        }
        if (moving.isEmpty() && extra.isEmpty()) {
            return Verdict.none();
        }
        Set<String> evidence = new LinkedHashSet<>(moving);
        evidence.retainAll(shadowed);
        Map<String, TenantReadiness> readiness =
                evidence.isEmpty() || !flagProblems.isEmpty() ? Map.of() : reader.readiness(routers, evidence);
        Verdict verdict = check(moving, shadowed, readiness, require, force, shadowFlag);
        if (extra.isEmpty()) {
            return verdict;
        }
        List<Blocked> blocked = new ArrayList<>(extra);
        verdict.blocked().stream()
                .filter(b -> extra.stream().noneMatch(e -> e.tenant().equals(b.tenant())))
                .forEach(blocked::add);
        return new Verdict(blocked, verdict.readiness(), verdict.notes(), force);
    }

    /**
     * The gate itself, on what was read.
     *
     * @param moving the tenants the change moves to new
     * @param shadowed the tenants the shadow flag lists
     * @param readiness the fleet's readiness of the shadowed tenants that move
     */
    static Verdict check(
            Set<String> moving,
            Set<String> shadowed,
            Map<String, TenantReadiness> readiness,
            boolean require,
            boolean force,
            String shadowFlag) {
        List<Blocked> blocked = new ArrayList<>();
        List<TenantReadiness> judged = new ArrayList<>();
        List<String> without = new ArrayList<>();
        for (String tenant : moving) {
            if (!shadowed.contains(tenant)) {
                without.add(tenant);
                continue;
            }
            TenantReadiness r = readiness.getOrDefault(tenant, FleetReadiness.of(tenant, List.of()));
            judged.add(r);
            if (!r.ready()) {
                blocked.add(new Blocked(tenant, true, r.failures(), r.failedGates()));
            }
        }
        List<String> notes = new ArrayList<>();
        if (!without.isEmpty()) {
            String who = Text.names(without, 10);
            if (require) {
                for (String tenant : without) {
                    blocked.add(new Blocked(
                            tenant,
                            false,
                            List.of("no shadow evidence: not in shadow flag " + shadowFlag + ", and readiness is"
                                    + " required"),
                            List.of("not_shadowed")));
                }
            } else {
                notes.add("no shadow evidence for " + who + ": not in shadow flag " + shadowFlag + ", so nothing"
                        + " compared new's answers with legacy's ('flags-admin shadow on TENANT' first;"
                        + " --require-readiness refuses such moves)");
            }
        }
        return new Verdict(blocked, judged, notes, force);
    }

    /**
     * The tenants a plan moves to new, now or at a scheduled start: those named, and the shadowed ones a wave takes
     * (a wave's own tenants are otherwise not known by name).
     */
    public static Set<String> movingToNew(Plan plan, Set<String> shadowed) {
        Set<String> moving = new LinkedHashSet<>();
        for (Plan.Move m : plan.moves()) {
            if (m.to() == Backend.NEW) {
                moving.add(m.tenant());
            }
        }
        for (Plan.Move m : plan.scheduled()) {
            if (m.to() == Backend.NEW) {
                moving.add(m.tenant());
            }
        }
        for (String tenant : shadowed) {
            if (goesToNew(plan.before(), plan.after(), tenant, plan.now())
                    || goesToNew(plan.before(), plan.after(), tenant, Migration.EVENTUALLY)) {
                moving.add(tenant);
            }
        }
        return moving;
    }

    private static boolean raisesAWave(Plan plan) {
        return plan.rules().stream()
                .anyMatch(r -> r.kind().equals(Rule.Kind.WAVE.label())
                        && r.percentAfter() != null
                        && (r.percentBefore() == null
                                || r.change().equals("created")
                                || r.percentAfter() > r.percentBefore()));
    }

    /**
     * A wave rule created, changed or turned on: the same percentage under another group id takes other tenants, so
     * the shadowed ones are checked one by one (whom the wave takes before and after).
     */
    private static boolean changesAWave(Plan plan) {
        return plan.rules().stream()
                .anyMatch(r -> r.kind().equals(Rule.Kind.WAVE.label())
                        && r.percentAfter() != null
                        && r.percentAfter() > 0
                        && !r.change().equals("removed"));
    }

    private static boolean goesToNew(Migration before, Migration after, String tenant, Instant at) {
        return before.place(tenant, at).backend() == Backend.LEGACY
                && after.place(tenant, at).backend() == Backend.NEW;
    }
}
