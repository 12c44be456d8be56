package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "remove",
        mixinStandardHelpOptions = true,
        description = {
            "Remove tenants from a list rule: --rule pinned unpins them, --rule moved-back lets them follow the other"
                    + " rules again. Removing a tenant from the list that routes it to new is refused without"
                    + " --break-glass."
        })
final class RemoveCommand extends ChangeCommand {
    @Mixin
    TenantArgs tenants;

    @Option(names = "--rule", required = true, paramLabel = "NAME", description = "the list rule")
    String rule;

    RemoveCommand(FlagsAdmin root, boolean dryRun) {
        super(root, dryRun);
    }

    @Override
    Change change() {
        return new Change.Remove(tenants.read(), rule);
    }
}
