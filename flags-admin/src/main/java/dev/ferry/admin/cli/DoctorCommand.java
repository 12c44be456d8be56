package dev.ferry.admin.cli;

import dev.ferry.admin.setup.Doctor;
import dev.ferry.admin.setup.Finding;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.TenantIds;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Check a running set-up end to end, one line per check, OK or PROBLEM in words: Unleash reachable and the"
                    + " token an Admin API token, the project and the environment, the routing flag on there and of the"
                    + " shape the routers read; with --router, each router reachable, ready, routing by the flag from"
                    + " Unleash and not behind its latest change; with --tenant, each router sending the tenant where"
                    + " the flag does.",
            "Exit 0 when every check is OK, 1 when one found a problem, 3 when Unleash or a router did not answer (or"
                    + " Unleash refused the token)."
        })
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RouterOptions replicas = new RouterOptions();

    @Mixin
    WindowFlagOption windowFlag = new WindowFlagOption();

    @Option(
            names = "--tenant",
            paramLabel = "ID",
            description = "a tenant to follow: each router's /routing/tenants/ID must say what the flag says")
    String tenant;

    private final FlagsAdmin root;
    private final Clock clock;

    DoctorCommand(FlagsAdmin root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        Duration timeout = replicas.timeout();
        List<URI> urls = replicas.any() ? replicas.urls() : List.of();
        String checked = tenant == null ? null : TenantIds.parse(tenant, "--tenant");
        if (checked != null && urls.isEmpty()) {
            throw new BadInputException("--tenant " + checked + " without --router (expected: the routers to ask where"
                    + " they send it, such as --router http://127.0.0.1:9901)");
        }
        var target = root.target("doctor", windowFlag.name);
        List<Finding> findings = new Doctor(target, clock, timeout).check(urls, checked);
        root.output(spec)
                .findings(
                        "doctor",
                        target.api().base() + " (project " + target.project() + ", environment " + target.environment()
                                + ", flag " + target.flag() + ")",
                        findings);
        if (Finding.anyUnreachable(findings)) {
            return ExitCode.UNAVAILABLE;
        }
        return Finding.anyProblem(findings) ? ExitCode.REFUSED : ExitCode.OK;
    }
}
