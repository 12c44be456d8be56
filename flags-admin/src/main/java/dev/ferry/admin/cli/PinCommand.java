package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "pin",
        mixinStandardHelpOptions = true,
        description = {
            "Pin tenants to legacy: the pinned rule comes before every list and wave, so they stay whatever the waves"
                    + " reach. Pinning a tenant that is on new is a move back: refused without --break-glass."
        })
final class PinCommand extends ChangeCommand {
    @Mixin
    TenantArgs tenants;

    @Option(names = "--legacy", description = "where pinned tenants stay (the only choice; for readability)")
    boolean legacy;

    PinCommand(FlagsAdmin root, boolean dryRun) {
        super(root, dryRun);
    }

    @Override
    Change change() {
        return new Change.Pin(tenants.read());
    }
}
