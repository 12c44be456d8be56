package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.Times;
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
            description = "for a new rule: the time it starts (currentTime DATE_AFTER), e.g. 2026-12-01T02:00:00Z")
    String startsAt;

    MoveCommand(FlagsAdmin root, boolean dryRun) {
        super(root, dryRun);
    }

    @Override
    Change change() {
        return Change.move(
                tenants.read(),
                to,
                rule,
                Times.parse(startsAt, "--starts-at"),
                new Change.MoveFields("--rule", "--starts-at"));
    }
}
