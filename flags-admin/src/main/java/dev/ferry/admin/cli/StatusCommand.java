package dev.ferry.admin.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "The rules in order: tenants per backend per rule, waves with percentage and groupId, pins, the"
                + " revision.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final FlagsAdmin root;

    StatusCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        root.output(spec).status(root.mover(spec).status());
        return ExitCode.OK;
    }
}
