package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.TenantIds;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Where a tenant goes and why (the rule, evaluated as Unleash does), and since when, by whom.")
final class ShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TENANT", description = "a tenant id")
    String tenant;

    private final FlagsAdmin root;

    ShowCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        String id = TenantIds.parse(tenant, "argument TENANT");
        root.output(spec).show(root.mover(spec).show(id));
        return ExitCode.OK;
    }
}
