package dev.ferry.admin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.json.JsonViews;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.TenantReadiness;
import dev.ferry.admin.setup.Finding;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.OneWayGuard;
import dev.ferry.admin.tenants.Placement;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.Schedule;
import dev.ferry.admin.tenants.StalePlanException;
import dev.ferry.admin.tenants.Status;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.tenants.Text;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Tables and sentences for people; with {@code --json}, one JSON document on stdout for machines. */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Names per line when a list of tenants is wrapped. */
    private static final int WRAP = 100;

    private final PrintWriter out;
    private final boolean json;

    Output(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    static String error(String message, int exitCode) {
        return JsonViews.error(message, exitCode).toString();
    }

    // ---------------------------------------------------------------- status

    void status(Status status) {
        status(status, null);
    }

    /**
     * The shadowed tenants, as {@code status} shows them.
     *
     * @param readiness each one's readiness for the fleet (empty when the replicas were not asked)
     * @param note why readiness is missing, or null
     */
    record Shadow(String flag, Set<String> shadowed, List<TenantReadiness> readiness, String note) {}

    void status(Status status, Shadow shadow) {
        Migration m = status.migration();
        if (json) {
            ObjectNode o = JsonViews.status(status);
            if (shadow != null) {
                ObjectNode s = o.putObject("shadow").put("flag", shadow.flag()).put("note", shadow.note());
                shadow.shadowed().forEach(s.putArray("tenants")::add);
                com.fasterxml.jackson.databind.node.ArrayNode list = s.putArray("readiness");
                shadow.readiness().forEach(r -> list.add(JsonViews.readiness(r, true)));
            }
            print(o);
            return;
        }
        out.println("Flag " + m.flag() + " in " + status.source() + ": "
                + (m.enabled() ? "on" : "OFF (every tenant on" + " legacy)") + ", revision " + m.revision());
        if (m.rules().isEmpty()) {
            out.println(
                    m.enabled()
                            ? "No rules: an enabled flag without rules sends EVERY tenant to new."
                            : "No rules yet: every tenant is on legacy.");
            if (shadow != null) {
                shadowStatus(shadow);
            }
            flush();
            return;
        }
        Table table = new Table("#", "RULE", "KIND", "BACKEND", "DECIDES", "MATCHES");
        for (Status.RuleStatus r : status.rules()) {
            Rule rule = r.rule();
            table.row(
                    r.position(),
                    rule.name(),
                    rule.kind().label() + (rule.disabled() ? " (disabled)" : ""),
                    rule.backend().tag(),
                    rule.tenants() == null ? "-" : r.decides(),
                    matches(rule));
        }
        table.print(out, "");
        out.println();
        out.println("Listed tenants: " + (status.listedOnNew() + status.listedOnLegacy()) + " (on new "
                + status.listedOnNew() + ", on legacy " + status.listedOnLegacy() + "). DECIDES counts the listed"
                + " tenants a rule decides now; tenants no rule matches stay on legacy.");
        for (String problem : m.unsupported()) {
            out.println("Cannot evaluate " + problem);
        }
        if (shadow != null) {
            shadowStatus(shadow);
        }
        flush();
    }

    private void shadowStatus(Shadow shadow) {
        if (shadow.shadowed().isEmpty() && shadow.note() == null) {
            return;
        }
        out.println();
        out.println(wrap(
                "Shadow reads (flag " + shadow.flag() + "): "
                        + Text.count(shadow.shadowed().size(), "tenant")
                        + " shadowed" + (shadow.shadowed().isEmpty() ? "" : ": " + Text.names(shadow.shadowed(), 20))
                        + ".",
                ""));
        if (shadow.note() != null) {
            out.println(wrap("Note: " + shadow.note(), "  "));
        }
        if (!shadow.readiness().isEmpty()) {
            readinessTable(shadow.readiness(), shadow.shadowed(), "  ");
        }
    }

    private static String matches(Rule rule) {
        List<String> parts = new ArrayList<>();
        if (rule.tenants() != null) {
            parts.add(Text.count(rule.tenants().size(), "tenant") + ": " + Text.names(rule.tenants(), 5));
        }
        if (rule.percent() < 100 || rule.tenants() == null) {
            parts.add(rule.percent() + " % of tenants"
                    + (rule.percent() < 100 ? " (groupId " + rule.groupId() + ")" : ""));
        }
        if (rule.startsAt() != null) {
            parts.add("from " + rule.startsAt());
        }
        if (rule.stamp().by() != null) {
            parts.add("last changed by " + rule.stamp().by()
                    + (rule.stamp().at() == null ? "" : " at " + rule.stamp().at())
                    + (rule.stamp().reason() == null ? "" : ": " + rule.stamp().reason()));
        }
        return String.join("; ", parts);
    }

    // ---------------------------------------------------------------- fleet

    void fleet(FleetCheck.Verdict verdict) {
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("agrees", verdict.agrees());
            body.put("routingTables", verdict.tables());
            body.put("replicas", verdict.replicas());
            print(JSON.valueToTree(body));
            return;
        }
        Table table = new Table("ROUTER", "READY", "ROUTING TABLE", "REVISION", "FROM", "AGE", "CLOCK", "HELD");
        List<String> warnings = new ArrayList<>();
        for (FleetCheck.Replica r : verdict.replicas()) {
            if (!r.reachable()) {
                table.row(r.router(), "-", "-", "-", "-", r.error(), "-", "-");
                continue;
            }
            FleetCheck.Bounds b = r.bounds();
            table.row(
                    r.router(),
                    r.ready() ? "yes" : "NO: " + r.notReadyBecause(),
                    r.routingTable(),
                    r.revision() == null ? "-" : r.revision(),
                    r.origin() == null ? "-" : r.origin(),
                    (r.ageSeconds() == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f s", r.ageSeconds()))
                            + (b != null && b.stale() ? " STALE" : ""),
                    r.clockOffsetMillis() == null
                            ? "-"
                            : String.format(java.util.Locale.ROOT, "%+d ms", r.clockOffsetMillis()),
                    b == null ? "-" : Integer.toString(b.held()));
            if (b != null && b.stale()) {
                warnings.add(r.router() + " is STALE: it cannot confirm its flag state within its lease and refuses"
                        + " legacy-bound requests (503 routing_stale); see docs/troubleshooting.md.");
            }
            if (b != null
                    && r.clockOffsetMillis() != null
                    && Math.abs(r.clockOffsetMillis()) > b.clockSkewSeconds() * 1000) {
                warnings.add(r.router() + "'s clock is " + r.clockOffsetMillis() + " ms off this machine's, more than"
                        + " its cutover.clock-skew (" + Math.round(b.clockSkewSeconds() * 1000) + " ms): a move may"
                        + " not switch it at the same instant as the others; synchronise the clocks (chrony, NTP).");
            }
        }
        table.print(out, "");
        out.println();
        warnings.forEach(w -> out.println(wrap("Warning: " + w, "  ")));
        int n = verdict.replicas().size();
        if (verdict.agrees()) {
            out.println("The fleet agrees: " + (n == 1 ? "its one replica routes" : "all " + n + " replicas route")
                    + " by routing table "
                    + verdict.tables().keySet().iterator().next() + ".");
        } else if (!verdict.unreachable().isEmpty()) {
            out.println("Cannot tell: " + verdict.unreachable().size() + " of " + n + " replicas did not answer.");
        } else if (verdict.tables().size() > 1) {
            out.println("The fleet DISAGREES: " + verdict.tables().size() + " routing tables across " + n
                    + " replicas (" + describe(verdict.tables()) + "). A tenant may be routed differently by different"
                    + " replicas; see docs/troubleshooting.md (FerryReplicasDisagree).");
        } else {
            out.println("One routing table, but not every replica is ready (see READY).");
        }
        flush();
    }

    private static String describe(Map<String, List<java.net.URI>> tables) {
        List<String> parts = new ArrayList<>();
        tables.forEach((table, routers) -> parts.add(table + " on " + routers.size() + ": " + routers));
        return String.join("; ", parts);
    }

    // ---------------------------------------------------------------- show

    void show(TenantMover.Explanation e) {
        Placement now = e.now();
        Placement later = e.later();
        boolean changesLater = later.backend() != now.backend();
        if (json) {
            print(JsonViews.show(e));
            return;
        }
        out.println(e.tenant() + " → " + now.backend().tag());
        Table t = new Table("", "");
        t.row(
                "rule:",
                now.rule() == null
                        ? "(none)"
                        : now.ruleName() + " (#" + (position(e.migration(), now.rule())) + ", "
                                + now.rule().kind().label() + ")");
        t.row("why:", now.why());
        if (e.since() != null) {
            HistoryEntry s = e.since();
            t.row("since:", s.at() + " by " + s.by() + (s.reason() == null ? "" : " (reason: " + s.reason() + ")"));
            t.row("change:", s.operation());
        } else {
            t.row(
                    "since:",
                    now.backend().tag().equals("legacy")
                            ? "always: the history records no move of this tenant"
                            : "the history records no move of this tenant to new");
        }
        if (changesLater) {
            t.row(
                    "later:",
                    "→ " + later.describe()
                            + (later.rule() != null && later.rule().startsAt() != null
                                    ? " at " + later.rule().startsAt()
                                    : ""));
        }
        t.row(
                "flag:",
                e.migration().flag() + " in " + e.source() + ", revision "
                        + e.migration().revision());
        t.print(out, "  ");
        flush();
    }

    private static int position(Migration m, Rule rule) {
        return m.rules().indexOf(rule) + 1;
    }

    // ---------------------------------------------------------------- plan

    void plan(Plan plan, boolean dryRun) {
        plan(plan, dryRun, false);
    }

    /**
     * When the change's moves take effect for the fleet: at one instant, or at once with what that risks. In JSON, as
     * {@code switchesAt} (null: at once) and {@code lead} next to the plan.
     */
    void plan(Plan plan, boolean dryRun, Timing timing) {
        plan(plan, dryRun, timing, null);
    }

    /** A plan and what the readiness gate says of it (null: not asked). */
    void plan(Plan plan, boolean dryRun, Timing timing, Gate gate) {
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = JsonViews.plan(plan, dryRun);
            o.put("switchesAt", timing.at() == null ? null : Strategies.formatTime(timing.at()));
            o.put("lead", timing.lead().describe());
            if (gate != null) {
                o.set("readiness", JsonViews.gate(gate.verdict(), gate.shadowFlag()));
            }
            print(o);
            return;
        }
        plan(plan, dryRun, false);
        if (gate != null && !plan.refused()) {
            gate(gate, dryRun);
        }
        if (plan.refused() || (plan.moves().isEmpty() && plan.scheduled().isEmpty())) {
            return;
        }
        out.println();
        if (timing.at() != null) {
            long ms = java.time.Duration.between(timing.now(), timing.at()).toMillis();
            out.println(wrap(
                    "The fleet switches these tenants at " + Strategies.formatTime(timing.at()) + ", in "
                            + String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0) + " s ("
                            + timing.lead().describe() + "): every replica holds their requests from T - clock skew"
                            + " until T + clock skew + legacy deadline, then sends them to new.",
                    ""));
        } else if (!plan.moves().isEmpty()) {
            out.println(wrap("IMMEDIATE (--immediate): " + Schedule.IMMEDIATE_RISK + ".", ""));
        }
        flush();
    }

    /** What the readiness gate said of a change, and the shadow flag it read. */
    record Gate(ReadinessGate.Verdict verdict, String shadowFlag) {}

    /** The readiness of the tenants moving, the notes, and for a plan whether the gate would refuse it. */
    private void gate(Gate gate, boolean dryRun) {
        ReadinessGate.Verdict v = gate.verdict();
        if (v.readiness().isEmpty() && v.notes().isEmpty() && v.blocked().isEmpty()) {
            return;
        }
        out.println();
        if (v.refused()) {
            out.println("The readiness gate WOULD REFUSE this change (shadow flag " + gate.shadowFlag() + "):");
            blocked(v);
            out.println(wrap(FORCE_HINT, "  "));
        } else if (v.overridden()) {
            out.println("FORCED past the readiness gate (--force-unready); the history records it with the reason:");
            blocked(v);
        }
        for (TenantReadiness r : v.readiness()) {
            if (r.ready()) {
                out.println("Readiness: " + r.tenant() + " is ready (" + score(r) + ").");
            }
        }
        v.notes().forEach(n -> out.println(wrap("Note: " + n, "  ")));
        flush();
    }

    static final String FORCE_HINT = "To move them anyway, run it again with --force-unready --reason \"why\": the"
            + " history records that the move was forced past readiness and which gates failed. Or wait for more"
            + " evidence ('flags-admin shadow show'), or fix new and start afresh ('flags-admin shadow reset').";

    /** A change the readiness gate refused: nothing was written. */
    void gateRefused(Plan plan, Gate gate) {
        if (json) {
            ObjectNode o = JsonViews.plan(plan, true);
            o.put("dryRun", false).put("written", false);
            o.set("readiness", JsonViews.gate(gate.verdict(), gate.shadowFlag()));
            print(o);
            return;
        }
        out.println("Change: " + plan.operation());
        out.println();
        out.println("REFUSED by the readiness gate (shadow flag " + gate.shadowFlag() + "): "
                + Text.count(gate.verdict().blocked().size(), "tenant") + " not ready to move to new:");
        blocked(gate.verdict());
        out.println();
        out.println("Nothing was written.");
        out.println(wrap(FORCE_HINT, ""));
        flush();
    }

    private void blocked(ReadinessGate.Verdict v) {
        for (ReadinessGate.Blocked b : v.blocked()) {
            TenantReadiness r = v.readiness().stream()
                    .filter(x -> x.tenant().equals(b.tenant()))
                    .findFirst()
                    .orElse(null);
            out.println("  " + b.tenant() + (r != null && r.known() ? ": " + score(r) : ":"));
            b.reasons().forEach(reason -> out.println(wrap("- " + reason, "    ")));
        }
    }

    /** "compared 412, matched 410, lower bound 0.9823". */
    static String score(TenantReadiness r) {
        if (!r.known()) {
            return "readiness unknown";
        }
        return "compared " + r.report().compared() + ", matched " + r.report().matched() + ", lower bound "
                + String.format(java.util.Locale.ROOT, "%.4f", r.report().lowerBound());
    }

    // ---------------------------------------------------------------- shadow

    /** The shadow flag's list after {@code shadow on} or {@code off}. */
    void shadowed(String flag, String source, String action, Set<String> named, Set<String> after, List<String> notes) {
        if (json) {
            ObjectNode o = JsonViews.JSON
                    .createObjectNode()
                    .put("shadowFlag", flag)
                    .put("source", source)
                    .put("action", action);
            named.forEach(o.putArray("named")::add);
            after.forEach(o.putArray("shadowed")::add);
            notes.forEach(o.putArray("notes")::add);
            print(o);
            return;
        }
        out.println((action.equals("on") ? "Shadowed: " : "No longer shadowed: ") + Text.names(named, 20) + ".");
        out.println(wrap(
                "Shadow flag " + flag + " in " + source + " lists " + Text.count(after.size(), "tenant")
                        + (after.isEmpty() ? " (the flag is off)" : ": " + Text.names(after, 20)) + ".",
                ""));
        out.println(wrap(
                "Every replica reads it at its next poll of the flag state; 'flags-admin shadow show' reads their"
                        + " readiness.",
                ""));
        notes.forEach(n -> out.println(wrap("Note: " + n, "  ")));
        flush();
    }

    /** {@code shadow show}: each tenant's readiness for the fleet, the failed gates, the top differing fields. */
    void shadowShow(
            String flag,
            String source,
            List<java.net.URI> routers,
            List<TenantReadiness> tenants,
            Set<String> shadowed,
            List<String> problems) {
        if (json) {
            ObjectNode o =
                    JsonViews.JSON.createObjectNode().put("shadowFlag", flag).put("source", source);
            com.fasterxml.jackson.databind.node.ArrayNode urls = o.putArray("routers");
            routers.forEach(r -> urls.add(r.toString()));
            com.fasterxml.jackson.databind.node.ArrayNode list = o.putArray("tenants");
            tenants.forEach(t -> list.add(JsonViews.readiness(t, shadowed.contains(t.tenant()))));
            problems.forEach(o.putArray("problems")::add);
            print(o);
            return;
        }
        out.println(wrap(
                "Shadow reads: flag " + flag + " in " + source + " lists " + Text.count(shadowed.size(), "tenant")
                        + "; evidence from " + Text.count(routers.size(), "replica") + ".",
                ""));
        problems.forEach(p -> out.println(wrap("Warning: " + p, "  ")));
        if (tenants.isEmpty()) {
            out.println("No tenant is shadowed, and no replica tallies one: 'flags-admin shadow on TENANT' starts.");
            flush();
            return;
        }
        readinessTable(tenants, shadowed, "");
        flush();
    }

    /** The readiness table, then per tenant the failed gates and the top differing fields. */
    private void readinessTable(List<TenantReadiness> tenants, Set<String> shadowed, String indent) {
        Table table = new Table("TENANT", "SHADOWED", "COMPARED", "MATCHED", "LOWER BOUND", "READY");
        for (TenantReadiness r : tenants) {
            table.row(
                    r.tenant(),
                    shadowed.contains(r.tenant()) ? "yes" : "no",
                    r.known() ? r.report().compared() : "-",
                    r.known() ? r.report().matched() : "-",
                    r.known()
                            ? String.format(
                                    java.util.Locale.ROOT, "%.4f", r.report().lowerBound())
                            : "-",
                    r.ready() ? "yes" : r.known() ? "NO" : "unknown");
        }
        table.print(out, indent);
        for (TenantReadiness r : tenants) {
            List<String> lines = new ArrayList<>(r.failures());
            if (r.known()) {
                r.report().topFields().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Object::toString)))
                        .forEach(e -> lines.add("differs on " + e.getKey() + ": "
                                + String.join(
                                        ", ",
                                        e.getValue().stream()
                                                .map(f -> f.field() + " (" + f.count() + ")")
                                                .toList())));
            }
            if (!r.notShadowing().isEmpty() && shadowed.contains(r.tenant())) {
                lines.add("not shadowed yet by " + r.notShadowing() + " (their flag state is older, or shadow reads are"
                        + " off there)");
            }
            if (lines.isEmpty()) {
                continue;
            }
            out.println(indent + r.tenant() + ":");
            lines.forEach(l -> out.println(wrap("- " + l, indent + "  ")));
        }
    }

    /** When a change's moves take effect, and how that was chosen. */
    record Timing(Instant at, Lead lead, Instant now) {}

    /**
     * @param replanned the plan made again after a stale one: its last line is the caller's
     */
    private void plan(Plan plan, boolean dryRun, boolean replanned) {
        if (json) {
            print(JsonViews.plan(plan, dryRun));
            return;
        }
        out.println((dryRun ? "Plan: " : "Change: ") + plan.operation());
        out.println("Flag " + plan.before().flag() + ", revision "
                + plan.before().revision() + (plan.before().enabled() ? "" : " (flag OFF)"));
        if (plan.refused()) {
            out.println();
            out.println("REFUSED by the one-way guard:");
            plan.refusals().forEach(r -> out.println("  - " + r.message()));
            out.println();
            out.println(wrap(OneWayGuard.WHY, ""));
            out.println();
            out.println("Nothing was written.");
            flush();
            return;
        }
        if (!plan.refusals().isEmpty()) {
            out.println();
            out.println("The one-way guard objected; overridden with --break-glass:");
            plan.refusals().forEach(r -> out.println("  - " + r.message()));
        }
        out.println();
        moves("Tenants that move now", plan.moves());
        moves("Tenants that move later, when their rule starts", plan.scheduled());
        if (plan.moves().isEmpty() && plan.scheduled().isEmpty()) {
            out.println("No tenant changes backend.");
        }
        if (!plan.rules().isEmpty()) {
            out.println();
            out.println("Rules:");
            Table t = new Table("", "", "");
            plan.rules().forEach(r -> t.row(r.rule(), r.change(), r.description()));
            t.print(out, "  ");
        }
        if (!plan.notes().isEmpty()) {
            out.println();
            plan.notes().forEach(n -> out.println(wrap("Note: " + n, "  ")));
        }
        out.println();
        if (!plan.writes()) {
            out.println("Nothing to write: the flag already says this.");
        } else if (replanned) {
            return;
        } else if (dryRun) {
            out.println("Dry run: nothing was written. Run the same command without 'plan' to write it.");
        } else {
            out.println("Written: revision " + plan.revision() + ".");
        }
        flush();
    }

    /** A change refused because the flag moved on since its plan: why, and the plan on the current state. */
    void stale(StalePlanException e, String by) {
        if (json) {
            ObjectNode o = JsonViews.error(e.getMessage(), ExitCode.REFUSED);
            o.setAll(JsonViews.stale(e, by));
            print(o);
            return;
        }
        out.println("NOT WRITTEN: " + wrap(e.getMessage(), "  ").strip());
        out.println();
        plan(e.plan(), true, true);
        if (!e.plan().writes()) {
            return;
        }
        out.println("To write this plan, run the command again with --expect-revision '"
                + e.plan().before().revision() + "'.");
        flush();
    }

    /** Moves grouped by where from and where to, every tenant named. */
    private void moves(String title, List<Plan.Move> moves) {
        if (moves.isEmpty()) {
            return;
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (Plan.Move m : moves) {
            String key = m.from().tag() + " (" + (m.fromRule() == null ? "no rule" : m.fromRule()) + ") → "
                    + m.to().tag() + " (" + (m.toRule() == null ? "no rule" : m.toRule()) + ")"
                    + (m.at() == null ? "" : " at " + m.at());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(m.tenant());
        }
        out.println(title + " (" + String.format("%,d", moves.size()) + "):");
        groups.forEach((key, tenants) -> {
            out.println("  " + key + ", " + Text.count(tenants.size(), "tenant") + ":");
            out.println(wrap(String.join(", ", tenants), "    "));
        });
    }

    // ---------------------------------------------------------------- history

    void history(List<HistoryEntry> entries) {
        if (json) {
            print(JsonViews.history(entries));
            return;
        }
        if (entries.isEmpty()) {
            out.println("No changes recorded.");
        }
        for (HistoryEntry e : entries) {
            out.println(e.at() + "  " + e.by() + (e.revision() == null ? "" : "  (" + e.revision() + ")"));
            if (e.operation() != null && !e.operation().isEmpty()) {
                out.println(wrap(e.operation(), "  "));
            }
            if (e.reason() != null) {
                out.println("  reason: " + e.reason());
            }
            moves(e.moves());
            out.println();
        }
        flush();
    }

    private void moves(List<Plan.Move> moves) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (Plan.Move m : moves) {
            String key = m.from().tag() + " → " + m.to().tag() + " (" + (m.toRule() == null ? "no rule" : m.toRule())
                    + ")" + (m.at() == null ? "" : " at " + m.at());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(m.tenant());
        }
        groups.forEach((key, tenants) -> out.println(wrap(key + ": " + String.join(", ", tenants), "  ")));
    }

    // ---------------------------------------------------------------- shared

    // ---------------------------------------------------------------- init, doctor

    /** One line per finding: {@code OK}, {@code CREATED} or {@code PROBLEM}, then what it is in words. */
    void findings(String command, String where, List<Finding> findings) {
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("command", command);
            body.put("unleash", where);
            body.put("ok", !Finding.anyProblem(findings));
            List<Map<String, String>> lines = new ArrayList<>();
            for (var f : findings) {
                Map<String, String> line = new LinkedHashMap<>();
                line.put("result", f.mark().label());
                line.put("text", f.text());
                lines.add(line);
            }
            body.put("checks", lines);
            print(JSON.valueToTree(body));
            return;
        }
        out.println("flags-admin " + command + ": " + where);
        for (var f : findings) {
            out.println(String.format(java.util.Locale.ROOT, "%-8s %s", f.mark().label(), f.text()));
        }
        long problems = findings.stream()
                .filter(f -> f.mark() == Finding.Mark.PROBLEM || f.mark() == Finding.Mark.UNREACHABLE)
                .count();
        out.println(problems == 0 ? "All as Ferry needs it." : Text.count(problems, "problem") + ".");
        flush();
    }

    private void print(Object node) {
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
        flush();
    }

    private void flush() {
        out.flush();
    }

    /** Wraps text at about {@value #WRAP} characters, each line indented. */
    static String wrap(String text, String indent) {
        StringBuilder all = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + word.length() + 1 > WRAP) {
                all.append(line.toString().stripTrailing()).append('\n');
                line = new StringBuilder(indent);
            }
            line.append(word).append(' ');
        }
        all.append(line.toString().stripTrailing());
        return all.toString();
    }
}
