package dev.ferry.admin.cli;

import dev.ferry.admin.setup.Finding;
import dev.ferry.admin.setup.Init;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Set up an Unleash project and environment for Ferry: the context field tenantId, the routing flag on in"
                    + " the environment with one rule (init, a 0 % wave: every tenant on legacy until a move names it),"
                    + " and the migration window's flag, off. What exists is left as it is: a second run says so and"
                    + " changes nothing, and a flag of the wrong shape is reported, never overwritten.",
            "Exit 0 when everything is there as Ferry needs it, 1 when a flag that exists has the wrong shape."
        })
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    WindowFlagOption windowFlag = new WindowFlagOption();

    private final FlagsAdmin root;
    private final Clock clock;

    InitCommand(FlagsAdmin root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        var target = root.target("init", windowFlag.name);
        List<Finding> findings = new Init(target, clock, root.by).run();
        root.output(spec)
                .findings(
                        "init",
                        target.api().base() + " (project " + target.project() + ", environment " + target.environment()
                                + ")",
                        findings);
        return Finding.anyProblem(findings) ? ExitCode.REFUSED : ExitCode.OK;
    }
}
