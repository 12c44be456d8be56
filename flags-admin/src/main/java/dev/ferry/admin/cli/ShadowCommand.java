package dev.ferry.admin.cli;

import dev.ferry.admin.json.JsonViews;
import dev.ferry.admin.readiness.ShadowReader;
import dev.ferry.admin.readiness.TenantReadiness;
import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.TenantIds;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.tenants.Text;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Shadow reads (docs/shadow.md): which tenants the replicas shadow, and how ready each is for the fleet. */
@Command(
        name = "shadow",
        mixinStandardHelpOptions = true,
        description = {
            "Shadow reads (docs/shadow.md): for a tenant listed in the shadow flag and still on legacy, every router"
                    + " replica also sends its GET and HEAD requests to new, compares the answers and tallies the"
                    + " tenant's readiness. A move to new of a shadowed tenant is refused below the bar."
        },
        subcommands = {
            ShadowCommand.On.class,
            ShadowCommand.Off.class,
            ShadowCommand.Show.class,
            ShadowCommand.Reset.class
        })
final class ShadowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final FlagsAdmin root;

    ShadowCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("flags-admin shadow: name what to do (on, off, show, reset); --help says more");
        return ExitCode.BAD_INPUT;
    }

    private static FlagsAdmin root(CommandSpec spec) {
        return ((ShadowCommand) spec.parent().userObject()).root;
    }

    @Command(
            name = "on",
            mixinStandardHelpOptions = true,
            description =
                    "List the tenants in the shadow flag (created when missing): every replica shadows their reads"
                            + " from its next poll of the flag state.")
    static final class On implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TenantArgs tenants;

        @Mixin
        ShadowFlagOption shadowFlag = new ShadowFlagOption();

        @Override
        public Integer call() {
            FlagsAdmin root = root(spec);
            Set<String> named = tenants.read();
            TenantMover mover = root.mover(spec);
            Set<String> after = mover.shadow(shadowFlag.name, named, Set.of());
            root.output(spec).shadowed(shadowFlag.name, mover.source(), "on", named, after, onNew(mover, named));
            return ExitCode.OK;
        }

        /** Tenants on new are not shadowed by the routers: shadowing compares new with the legacy that serves. */
        private static List<String> onNew(TenantMover mover, Set<String> named) {
            Migration m = mover.status().migration();
            List<String> onNew = new ArrayList<>();
            for (String t : named) {
                if (m.place(t, Instant.now()).backend() == Backend.NEW) {
                    onNew.add(t);
                }
            }
            return onNew.isEmpty()
                    ? List.of()
                    : List.of(Text.names(onNew, 10) + (onNew.size() == 1 ? " is" : " are") + " on new already: the"
                            + " routers shadow only tenants that legacy serves");
        }
    }

    @Command(
            name = "off",
            mixinStandardHelpOptions = true,
            description = "Take the tenants out of the shadow flag (turned off when nobody is left).")
    static final class Off implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TenantArgs tenants;

        @Mixin
        ShadowFlagOption shadowFlag = new ShadowFlagOption();

        @Override
        public Integer call() {
            FlagsAdmin root = root(spec);
            Set<String> named = tenants.read();
            TenantMover mover = root.mover(spec);
            Set<String> after = mover.shadow(shadowFlag.name, Set.of(), named);
            root.output(spec).shadowed(shadowFlag.name, mover.source(), "off", named, after, List.of());
            return ExitCode.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Each tenant's readiness for the fleet: every replica's tally merged and judged against the"
                    + " bar the replicas report. Without TENANT, every tenant shadowed or tallied. Exit 3 when a"
                    + " replica cannot be read.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TENANT", arity = "0..*", description = "tenant ids (default: every one)")
        List<String> tenants = new ArrayList<>();

        @Mixin
        ShadowFlagOption shadowFlag = new ShadowFlagOption();

        @Mixin
        RouterOptions replicas = new RouterOptions();

        @Override
        public Integer call() {
            FlagsAdmin root = root(spec);
            Set<String> named = new LinkedHashSet<>(TenantIds.parseAll(tenants, "argument"));
            List<URI> routers = routers(replicas, "show");
            TenantMover mover = root.mover(spec);
            Set<String> shadowed = mover.shadowed(shadowFlag.name);
            ShadowReader reader = new ShadowReader(replicas.timeout());
            List<TenantReadiness> each = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            boolean unreadable;
            if (named.isEmpty()) {
                ShadowReader.Fleet fleet = reader.all(routers);
                Set<String> all = new TreeSet<>(shadowed);
                all.addAll(fleet.tenants());
                all.forEach(t -> each.add(fleet.readiness(t)));
                problems.addAll(fleet.warnings(shadowFlag.name));
                fleet.replicas().stream().filter(r -> !r.usable()).forEach(r -> problems.add(r.problem()));
                unreadable = fleet.replicas().stream().anyMatch(r -> !r.usable());
            } else {
                each.addAll(reader.readiness(routers, named).values());
                unreadable = each.stream().anyMatch(r -> !r.known());
            }
            root.output(spec).shadowShow(shadowFlag.name, mover.source(), routers, each, shadowed, problems);
            return unreadable ? ExitCode.UNAVAILABLE : ExitCode.OK;
        }
    }

    @Command(
            name = "reset",
            mixinStandardHelpOptions = true,
            description = "Forget the tenants' tallies on every replica (DELETE /shadow/tenants/{id}), to gather"
                    + " evidence afresh after new was fixed. Exit 3 when a replica did not reset them.")
    static final class Reset implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TenantArgs tenants;

        @Mixin
        RouterOptions replicas = new RouterOptions();

        @Override
        public Integer call() {
            Set<String> named = tenants.read();
            List<URI> routers = routers(replicas, "reset");
            ShadowReader reader = new ShadowReader(replicas.timeout());
            List<String> problems = new ArrayList<>();
            for (String tenant : named) {
                reader.reset(routers, tenant).forEach(p -> problems.add(tenant + ": " + p));
            }
            var out = spec.commandLine().getOut();
            if (root(spec).json) {
                var o = JsonViews.JSON.createObjectNode().put("reset", problems.isEmpty());
                named.forEach(o.putArray("tenants")::add);
                var list = o.putArray("routers");
                routers.forEach(r -> list.add(r.toString()));
                problems.forEach(o.putArray("problems")::add);
                out.println(o.toPrettyString());
            } else if (problems.isEmpty()) {
                out.println("Reset the shadow tallies of " + Text.names(named, 20) + " on every replica ("
                        + routers.size() + "): their readiness starts again from nothing.");
            } else {
                out.println("NOT every replica reset the tallies:");
                problems.forEach(p -> out.println(Output.wrap("- " + p, "  ")));
            }
            out.flush();
            return problems.isEmpty() ? ExitCode.OK : ExitCode.UNAVAILABLE;
        }
    }

    /** The replicas to ask; none is bad input, named for the command. */
    private static List<URI> routers(RouterOptions replicas, String command) {
        if (!replicas.any()) {
            throw new BadInputException("shadow " + command + " without router replicas (expected: --router URL for"
                    + " every replica's admin port, e.g. --router http://10.0.0.7:9901, or FLAGS_ADMIN_ROUTERS=URL,URL;"
                    + " each replica tallies its own share of the tenant's requests)");
        }
        return replicas.urls();
    }
}
