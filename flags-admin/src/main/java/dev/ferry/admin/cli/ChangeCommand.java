package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.StalePlanException;
import dev.ferry.admin.tenants.TenantMover;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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

    private final FlagsAdmin root;
    private final boolean dryRun;

    ChangeCommand(FlagsAdmin root, boolean dryRun) {
        this.root = root;
        this.dryRun = dryRun;
    }

    abstract Change change();

    private String expected() {
        return expectRevision == null ? null : expectRevision.strip();
    }

    @Override
    public Integer call() {
        Change change = change();
        Operator operator = new Operator(root.by, reason, breakGlass);
        TenantMover mover = root.mover(spec);
        if (expectRevision != null && expectRevision.isBlank()) {
            throw new BadInputException("--expect-revision is empty (expected: the revision a plan or status shows,"
                    + " e.g. 'event 180' or sha256:3f2a9c81d0e4)");
        }
        FleetWait wait = fleet.isEmpty() || dryRun ? null : FleetWait.of(fleet, fleetTimeoutSeconds, spec);
        if (wait != null && !wait.agreesBefore()) {
            return ExitCode.REFUSED; // nothing written: the fleet must agree before a change it is to confirm
        }
        Plan plan;
        try {
            plan = dryRun ? mover.plan(change, operator) : mover.apply(change, operator, expected());
        } catch (StalePlanException e) {
            root.output(spec).stale(e, operator.name());
            return ExitCode.REFUSED;
        }
        root.output(spec).plan(plan, dryRun);
        if (plan.refused()) {
            return ExitCode.REFUSED;
        }
        if (wait != null && plan.writes()) {
            return wait.untilEveryReplicaSwitched() ? ExitCode.OK : ExitCode.FLEET_BEHIND;
        }
        return ExitCode.OK;
    }
}
