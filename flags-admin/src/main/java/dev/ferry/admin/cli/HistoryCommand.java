package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.TenantIds;
import dev.ferry.admin.tenants.TenantMover;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "The audit trail in migration terms: who, when, which tenants, from where to where, why.",
            "From Unleash's event log of the flag, or from the audit file next to a flags file."
        })
final class HistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "only changes that moved this tenant")
    String tenant;

    @Option(names = "--last", paramLabel = "N", description = "only the last N changes")
    Integer last;

    private final FlagsAdmin root;

    HistoryCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        if (last != null && last < 1) {
            throw new BadInputException("--last " + last + " (expected: a whole number of changes, at least 1)");
        }
        String id = tenant == null ? null : TenantIds.parse(tenant, "--tenant");
        List<HistoryEntry> entries = root.mover(spec).history(id);
        if (last != null) {
            entries = TenantMover.last(entries, last);
        }
        root.output(spec).history(entries);
        return ExitCode.OK;
    }
}
