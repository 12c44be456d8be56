package dev.ferry.admin.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.TenantReadiness;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.OneWayGuard;
import dev.ferry.admin.tenants.Placement;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.StalePlanException;
import dev.ferry.admin.tenants.Status;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.router.shadow.ShadowJson;
import java.time.Instant;
import java.util.List;

/**
 * The migration's documents as JSON, the same for {@code flags-admin --json} and the console's REST API: a status, a
 * tenant shown, a plan (dry run or written), the history, an error.
 */
public final class JsonViews {
    public static final ObjectMapper JSON = new ObjectMapper();

    private JsonViews() {}

    /** {@code {"error": message, "exitCode": N}}, the command line's error document. */
    public static ObjectNode error(String message, int exitCode) {
        return JSON.createObjectNode().put("error", message).put("exitCode", exitCode);
    }

    /**
     * Why a change was not written (the flag moved on since its plan), for the CLI and the console alike: the revision
     * the plan was made on, the one the flag is at, and the change planned again on it.
     */
    public static ObjectNode stale(StalePlanException e, String by) {
        ObjectNode o = JSON.createObjectNode();
        o.put("expectedRevision", e.expected());
        o.put("revision", e.plan().before().revision());
        o.set("plan", plan(e.plan(), true).put("by", by));
        return o;
    }

    /** The rules in order, each with how many of its listed tenants it decides; counts per backend; the revision. */
    public static ObjectNode status(Status status) {
        ObjectNode o = header(status.migration(), status.source());
        ArrayNode rules = o.putArray("rules");
        for (Status.RuleStatus r : status.rules()) {
            rules.add(rule(r.rule()).put("position", r.position()).put("decides", r.decides()));
        }
        o.put("listedOnNew", status.listedOnNew()).put("listedOnLegacy", status.listedOnLegacy());
        return o;
    }

    /** Where a tenant goes now and why, later when a scheduled start passes, and the change that put it there. */
    public static ObjectNode show(TenantMover.Explanation e) {
        Placement now = e.now();
        Placement later = e.later();
        ObjectNode o = header(e.migration(), e.source());
        o.put("tenant", e.tenant())
                .put("backend", now.backend().tag())
                .put("rule", now.ruleName())
                .put("deliberate", now.deliberate())
                .put("why", now.why());
        if (later.backend() != now.backend()) {
            o.putObject("later")
                    .put("backend", later.backend().tag())
                    .put("rule", later.ruleName())
                    .put(
                            "at",
                            later.rule() == null || later.rule().startsAt() == null
                                    ? null
                                    : later.rule().startsAt().toString());
        }
        o.set("since", e.since() == null ? null : e.since().toJson());
        return o;
    }

    /**
     * A plan: the revision it was made on ({@code revision}), every tenant that moves, the rules that change, the
     * guard's refusals and why, notes; {@code revisionAfter} once written.
     *
     * @param dryRun whether it is only a plan (nothing was meant to be written)
     */
    public static ObjectNode plan(Plan plan, boolean dryRun) {
        boolean written = !dryRun && !plan.refused() && plan.writes();
        ObjectNode o = header(plan.before(), null);
        o.put("operation", plan.operation())
                .put("dryRun", dryRun)
                .put("refused", plan.refused())
                .put("breakGlass", plan.breakGlass())
                .put("written", written)
                .put("writes", plan.writes())
                .put("revisionAfter", plan.revision());
        ArrayNode moves = o.putArray("moves");
        plan.moves().forEach(m -> moves.add(HistoryEntry.moveJson(m)));
        ArrayNode scheduled = o.putArray("scheduled");
        plan.scheduled().forEach(m -> scheduled.add(HistoryEntry.moveJson(m)));
        ArrayNode rules = o.putArray("rules");
        for (Plan.RuleChange r : plan.rules()) {
            rules.addObject()
                    .put("rule", r.rule())
                    .put("kind", r.kind())
                    .put("change", r.change())
                    .put("description", r.description());
        }
        ArrayNode refusals = o.putArray("refusals");
        for (Plan.Refusal r : plan.refusals()) {
            ObjectNode ro = refusals.addObject().put("kind", r.kind().name()).put("message", r.message());
            ArrayNode ts = ro.putArray("tenants");
            r.tenants().forEach(ts::add);
        }
        if (!plan.refusals().isEmpty()) {
            o.put("why", OneWayGuard.WHY);
        }
        ArrayNode notes = o.putArray("notes");
        plan.notes().forEach(notes::add);
        return o;
    }

    /**
     * A tenant's readiness for the fleet: shadowed or not, the score ({@code compared}, {@code matched}, {@code
     * lowerBound}), ready or not, every failed gate's reason (or why it is unknown), and the router's own report (every
     * gate, the top differing fields per route) and bar.
     */
    public static ObjectNode readiness(TenantReadiness r, boolean shadowed) {
        ObjectNode o = JSON.createObjectNode()
                .put("tenant", r.tenant())
                .put("shadowed", shadowed)
                .put("known", r.known())
                .put("ready", r.ready())
                .put("replicas", r.replicas())
                .put("unknownBecause", r.unknownBecause());
        if (r.known()) {
            o.put("compared", r.report().compared())
                    .put("matched", r.report().matched())
                    .put("matchRate", r.report().matchRate())
                    .put("lowerBound", r.report().lowerBound());
        } else {
            o.putNull("compared").putNull("matched").putNull("matchRate").putNull("lowerBound");
        }
        ArrayNode failures = o.putArray("failures");
        r.failures().forEach(failures::add);
        ArrayNode notShadowing = o.putArray("notShadowingOn");
        r.notShadowing().forEach(u -> notShadowing.add(u.toString()));
        o.set("bar", r.bar() == null ? null : ShadowJson.bar(r.bar()));
        o.set("report", r.report() == null ? null : ShadowJson.report(r.report()));
        return o;
    }

    /** What the readiness gate says of a change: refused or not, forced or not, who it stops and why, notes. */
    public static ObjectNode gate(ReadinessGate.Verdict v, String shadowFlag) {
        ObjectNode o = JSON.createObjectNode()
                .put("shadowFlag", shadowFlag)
                .put("refused", v.refused())
                .put("forced", v.overridden());
        ArrayNode blocked = o.putArray("blocked");
        for (ReadinessGate.Blocked b : v.blocked()) {
            ObjectNode bo = blocked.addObject().put("tenant", b.tenant()).put("shadowed", b.shadowed());
            ArrayNode gates = bo.putArray("gates");
            b.gates().forEach(gates::add);
            ArrayNode reasons = bo.putArray("reasons");
            b.reasons().forEach(reasons::add);
        }
        ArrayNode tenants = o.putArray("tenants");
        v.readiness().forEach(r -> tenants.add(readiness(r, true)));
        ArrayNode notes = o.putArray("notes");
        v.notes().forEach(notes::add);
        return o;
    }

    /** The history, oldest first. */
    public static ArrayNode history(List<HistoryEntry> entries) {
        ArrayNode a = JSON.createArrayNode();
        entries.forEach(e -> a.add(e.toJson()));
        return a;
    }

    public static ObjectNode header(Migration m, String source) {
        ObjectNode o = JSON.createObjectNode();
        o.put("flag", m.flag());
        if (source != null) {
            o.put("source", source);
        }
        o.put("revision", m.revision()).put("enabled", m.enabled());
        return o;
    }

    public static ObjectNode rule(Rule r) {
        ObjectNode o = JSON.createObjectNode()
                .put("name", r.name())
                .put("kind", r.kind().label())
                .put("backend", r.backend().tag())
                .put("deliberate", r.deliberate())
                .put("percent", r.percent())
                .put("groupId", r.groupId())
                .put("startsAt", time(r.startsAt()))
                .put("disabled", r.disabled())
                .put("by", r.stamp().by())
                .put("at", time(r.stamp().at()))
                .put("reason", r.stamp().reason());
        if (r.tenants() == null) {
            o.putNull("tenants");
        } else {
            ArrayNode ts = o.putArray("tenants");
            r.tenants().forEach(ts::add);
        }
        return o;
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
