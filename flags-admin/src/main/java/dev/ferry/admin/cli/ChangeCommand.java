package dev.ferry.admin.cli;

import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Schedule;
import dev.ferry.admin.tenants.StalePlanException;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.tenants.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A change: planned, checked by the one-way guard, then written (or, under {@code plan}, only shown). */
abstract class ChangeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the rules and the history")
    String reason;

    @Option(
            names = "--break-glass",
            description = "override the one-way guard and send tenants back to legacy deliberately (needs --reason);"
                    + " they are written to the moved-back rule, the marker the router needs")
    boolean breakGlass;

    @Option(
            names = "--expect-revision",
            paramLabel = "REVISION",
            description = "write only if the flag is still at this revision, the one the plan was made on (as 'plan'"
                    + " and 'status' show it, e.g. 'event 180' or sha256:3f2a9c81d0e4); otherwise write nothing, show"
                    + " the plan on the current state and exit with 1")
    String expectRevision;

    @Option(
            names = "--wait-for-fleet",
            paramLabel = "URL",
            split = ",",
            description = "router replicas' admin URLs: before writing, check they agree (else write nothing and exit"
                    + " 1); after writing, wait until every one routes by the new state, and say when (exit 4 if not"
                    + " within --fleet-timeout)")
    List<String> fleet = new ArrayList<>();

    @Option(
            names = "--fleet-timeout",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description = "how long --wait-for-fleet waits for every replica (default: ${DEFAULT-VALUE})")
    int fleetTimeoutSeconds;

    @Mixin
    RouterOptions replicas = new RouterOptions();

    @Mixin
    ShadowFlagOption shadowFlag = new ShadowFlagOption();

    @Mixin
    ReadinessOptions readiness = new ReadinessOptions();

    private final FlagsAdmin root;
    private final boolean dryRun;

    ChangeCommand(FlagsAdmin root, boolean dryRun) {
        this.root = root;
        this.dryRun = dryRun;
    }

    /** A move outside the migration window: a replica cut off from the flag server meanwhile routes from memory. */
    private void warnIfWindowClosed() {
        if (!root.store().windowOpen(WINDOW_FLAG)) {
            spec.commandLine()
                    .getErr()
                    .println("Note: the migration window (" + WINDOW_FLAG + ") is closed: a router replica cut off from"
                            + " the flag server during this move routes from memory for up to cutover.window-lease"
                            + " and may send these tenants to the old backend; 'flags-admin window open' first"
                            + " (docs/cutover.md).");
            spec.commandLine().getErr().flush();
        }
    }

    /** The routers' cutover.window-flag by default. */
    static final String WINDOW_FLAG = "ferry-migration-window";

    /** How far ahead the fleet-safe time is: the replicas' bounds with --wait-for-fleet, else the defaults. */
    private Lead lead = Lead.DEFAULT;

    private Instant now;

    abstract Change change();

    /** The schedule the operator asked for (a start, --immediate, or neither: the fleet-safe default). */
    Schedule schedule(String startsAt, boolean immediate) {
        return new Schedule(Times.parse(startsAt, "--starts-at"), immediate, lead, now);
    }

    static final Schedule.Fields SCHEDULE_FIELDS = new Schedule.Fields("--starts-at", "--immediate");

    private String expected() {
        return expectRevision == null ? null : expectRevision.strip();
    }

    @Override
    public Integer call() {
        if (expectRevision != null && expectRevision.isBlank()) {
            throw new BadInputException("--expect-revision is empty (expected: the revision a plan or status shows,"
                    + " e.g. 'event 180' or sha256:3f2a9c81d0e4)");
        }
        if (readiness.force && (reason == null || reason.isBlank())) {
            throw new BadInputException("--force-unready without --reason (expected: --reason \"why\"; the history"
                    + " records it with the readiness gates the move was forced past)");
        }
        if (fleet.isEmpty() && spec.commandLine().getParseResult().hasMatchedOption("--fleet-timeout")) {
            throw new BadInputException("--fleet-timeout without --wait-for-fleet (expected: both, or neither)");
        }
        FleetWait wait = fleet.isEmpty() || dryRun ? null : FleetWait.of(fleet, fleetTimeoutSeconds, spec);
        if (wait != null && !wait.agreesBefore()) {
            return ExitCode.REFUSED; // nothing written: the fleet must agree before a change it is to confirm
        }
        now = Instant.now();
        lead = wait == null ? Lead.DEFAULT : wait.lead();
        Change change = change();
        Operator operator = new Operator(root.by, reason, breakGlass);
        TenantMover mover = root.mover(spec);
        Plan planned = mover.plan(change, operator);
        Output.Gate gate = null;
        if (!planned.refused()) {
            ReadinessGate.Verdict verdict =
                    readiness.gate(replicas, fleet, shadowFlag.name).check(mover, planned, readiness.force);
            gate = new Output.Gate(verdict, shadowFlag.name);
            if (verdict.refused() && !dryRun) {
                root.output(spec).gateRefused(planned, gate);
                return ExitCode.REFUSED; // nothing written: shadowed tenants below the bar, or their readiness unknown
            }
            if (verdict.overridden()) {
                operator = new Operator(root.by, verdict.reason(operator.reason()), breakGlass);
            }
        }
        // The gate judged the plan on this revision: the change is written on it, or not at all (a change made
        // meanwhile may move other tenants, which the gate never saw)
        String expected =
                expected() != null || gate == null || !gate.verdict().consulted() ? expected() : planned.revision();
        Plan plan;
        try {
            plan = dryRun ? planned : mover.apply(change, operator, expected);
        } catch (StalePlanException e) {
            root.output(spec).stale(e, operator.name());
            return ExitCode.REFUSED;
        }
        root.output(spec).plan(plan, dryRun, new Output.Timing(change.at(), lead, now), gate);
        if (plan.refused() || (gate != null && gate.verdict().refused())) {
            return ExitCode.REFUSED;
        }
        if (!plan.moves().isEmpty() || !plan.scheduled().isEmpty()) {
            warnIfWindowClosed();
        }
        if (wait != null && plan.writes()) {
            boolean switched = wait.untilEveryReplicaSwitched()
                    && (change.at() == null || wait.untilMoved(change.at(), change.tenants()));
            return switched ? ExitCode.OK : ExitCode.FLEET_BEHIND;
        }
        return ExitCode.OK;
    }
}
