package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Change;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "wave",
        mixinStandardHelpOptions = true,
        description = {
            "Create a percentage wave to new, or raise one: sticky on tenantId, hashed with a groupId that never"
                    + " changes. Lowering it, changing its groupId or delaying its start is refused without"
                    + " --break-glass."
        })
final class WaveCommand extends ChangeCommand {
    @Parameters(paramLabel = "NAME", description = "the wave's name, e.g. wave-1")
    String name;

    @Option(names = "--percent", required = true, paramLabel = "N", description = "the share of tenants, 0 to 100")
    int percent;

    @Option(names = "--group-id", paramLabel = "ID", description = "what tenants are hashed with (default: the name)")
    String groupId;

    @Option(
            names = "--starts-at",
            paramLabel = "TIME",
            description = "when the wave starts or its raise takes effect (currentTime DATE_AFTER), e.g."
                    + " 2026-12-01T02:00:00Z; at least the lead ahead (default: now + lead, the fleet-safe time)")
    String startsAt;

    @Option(
            names = "--immediate",
            description = "start or raise the wave at once instead of at one instant for the whole fleet (each replica"
                    + " switches at its own next poll)")
    boolean immediate;

    @Option(
            names = "--known-tenants",
            paramLabel = "FILE",
            description = "tenant ids to name in the plan (a wave's tenants are otherwise not known by name)")
    Path known;

    WaveCommand(FlagsAdmin root, boolean dryRun) {
        super(root, dryRun);
    }

    @Override
    Change change() {
        Set<String> tenants = known == null ? Set.of() : TenantArgs.readFile(known);
        return Change.wave(name, percent, groupId, schedule(startsAt, immediate), tenants, SCHEDULE_FIELDS);
    }
}
