package dev.ferry.admin.cli;

import dev.ferry.admin.readiness.ShadowReader;
import dev.ferry.admin.readiness.TenantReadiness;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Status;
import dev.ferry.admin.tenants.TenantMover;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "The rules in order: tenants per backend per rule, waves with percentage and groupId, pins, the"
                + " revision; the shadowed tenants, with their readiness when --router names the replicas.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ShadowFlagOption shadowFlag = new ShadowFlagOption();

    @Mixin
    RouterOptions replicas = new RouterOptions();

    private final FlagsAdmin root;

    StatusCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        TenantMover mover = root.mover(spec);
        Status status = mover.status();
        root.output(spec).status(status, shadow(mover));
        return ExitCode.OK;
    }

    /** The shadowed tenants and their readiness; a shadow flag that cannot be read is said, not fatal. */
    private Output.Shadow shadow(TenantMover mover) {
        Set<String> shadowed;
        try {
            shadowed = mover.shadowed(shadowFlag.name);
        } catch (BadInputException e) {
            return new Output.Shadow(shadowFlag.name, Set.of(), List.of(), e.getMessage());
        }
        if (shadowed.isEmpty()) {
            return new Output.Shadow(shadowFlag.name, shadowed, List.of(), null);
        }
        if (!replicas.any()) {
            return new Output.Shadow(
                    shadowFlag.name,
                    shadowed,
                    List.of(),
                    "their readiness is read from the replicas: give --router URL for every one (or"
                            + " FLAGS_ADMIN_ROUTERS)");
        }
        ShadowReader.Fleet fleet = new ShadowReader(replicas.timeout()).all(replicas.urls());
        List<TenantReadiness> each = new ArrayList<>();
        shadowed.forEach(t -> each.add(fleet.readiness(t)));
        return new Output.Shadow(shadowFlag.name, shadowed, each, null);
    }
}
