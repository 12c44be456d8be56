package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "move",
        mixinStandardHelpOptions = true,
        description = {
            "Move tenants to new: adds them to a list rule (created after the pins if missing).",
            "--to legacy sends tenants on new back, deliberately: only with --break-glass --reason."
        })
final class MoveCommand extends ChangeCommand {
    @Mixin
    TenantArgs tenants;

    @Option(names = "--to", required = true, paramLabel = "new|legacy", description = "where the tenants go")
    Backend to;

    @Option(names = "--rule", paramLabel = "NAME", description = "the list rule to new (default: pilot)")
    String rule;

    @Option(
            names = "--starts-at",
            paramLabel = "TIME",
            description = "when the tenants move (currentTime DATE_AFTER), e.g. 2026-12-01T02:00:00Z; at least the"
                    + " lead ahead (default: now + lead, the fleet-safe time: lease + 3 x clock skew + propagation)")
    String startsAt;

    @Option(
            names = "--immediate",
            description = "move at once instead of at one instant for the whole fleet: each replica switches at its"
                    + " own next poll, and for that time both backends may take these tenants' requests")
    boolean immediate;

    MoveCommand(FlagsAdmin root, boolean dryRun) {
        super(root, dryRun);
    }

    @Override
    Change change() {
        return Change.move(
                tenants.read(),
                to,
                rule,
                schedule(startsAt, immediate),
                new Change.MoveFields("--rule", SCHEDULE_FIELDS));
    }
}
