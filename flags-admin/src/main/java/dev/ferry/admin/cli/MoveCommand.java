package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.Times;
import java.util.Set;
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
        Set<String> ids = tenants.read();
        if (to == Backend.LEGACY) {
            if (rule != null || startsAt != null) {
                throw new BadInputException("--to legacy with --rule or --starts-at (expected: neither; tenants go"
                        + " back through the moved-back rule, at once)");
            }
            return new Change.MoveBack(ids);
        }
        return new Change.MoveToNew(ids, rule == null ? "pilot" : rule, Times.parse(startsAt, "--starts-at"));
    }
}
