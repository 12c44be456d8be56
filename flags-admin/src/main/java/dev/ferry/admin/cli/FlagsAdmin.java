package dev.ferry.admin.cli;

import dev.ferry.admin.setup.Target;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.ConflictException;
import dev.ferry.admin.tenants.FlagsFileStore;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.unleash.AdminApi;
import dev.ferry.admin.unleash.UnleashAdminStore;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code flags-admin}: moves tenants between the legacy and the new backend by editing the routing flag, in Unleash
 * or in a local flags file, one way only. The options below may come before or after the command.
 */
@Command(
        name = "flags-admin",
        mixinStandardHelpOptions = true,
        version = "flags-admin 0.1.0",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Moves tenants between the legacy and the new backend by editing the routing flag (docs/flag-model.md),"
                    + " in Unleash or in a local flags file. Every change is planned first (exactly which tenants move),"
                    + " and a change that would send a tenant from new back to legacy is refused unless"
                    + " --break-glass --reason is given: data is replicated one way only.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:refused by the one-way guard or the readiness gate, or the flag kept changing under the change; init: a flag that exists has"
                    + " the wrong shape (reported, left as it is); doctor: a check found a problem",
            "2:bad input: a malformed tenant id, an unknown rule, a missing flag or file, wrong options",
            "3:the store cannot be used: Unleash unreachable, the token refused (401/403), Unleash refusing the"
                    + " request, a flags file that cannot be read or written; fleet, doctor, shadow show, shadow reset: a"
                    + " replica did not answer",
            "4:written, but not every replica given to --wait-for-fleet routed by it within --fleet-timeout",
            "70:a bug in flags-admin (the stack trace is printed)"
        },
        footer = {
            "",
            "Environment: FLAGS_ADMIN_UNLEASH_URL, FLAGS_ADMIN_TOKEN, FLAGS_ADMIN_FILE, FLAGS_ADMIN_FLAG,"
                    + " FLAGS_ADMIN_PROJECT, FLAGS_ADMIN_ENVIRONMENT, FLAGS_ADMIN_BY, FLAGS_ADMIN_CONSOLE_TOKEN, FLAGS_ADMIN_ROUTERS, FLAGS_ADMIN_SHADOW_FLAG, FLAGS_ADMIN_REQUIRE_READINESS (not FERRY_*: the router refuses"
                    + " unknown FERRY_ variables).",
            "Examples:",
            "  flags-admin --file ferry-demo/flags.json plan move acme --to new",
            "  flags-admin --unleash http://127.0.0.1:4242 --token \"$ADMIN_TOKEN\" init",
            "  flags-admin --unleash http://127.0.0.1:4242 --token \"$ADMIN_TOKEN\" doctor --router http://127.0.0.1:9901",
            "  flags-admin --unleash http://127.0.0.1:4242 --token \"$ADMIN_TOKEN\" status",
            "  flags-admin --file ferry-demo/flags.json serve --console-token \"$(openssl rand -hex 16)\"",
            "  flags-admin --file ferry-demo/flags.json shadow show --router http://127.0.0.1:9901",
            "See docs/flags-admin.md."
        })
public final class FlagsAdmin implements Callable<Integer> {
    @Option(
            names = "--unleash",
            paramLabel = "URL",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_UNLEASH_URL}",
            description = "Unleash server, e.g. http://127.0.0.1:4242 (env FLAGS_ADMIN_UNLEASH_URL)")
    String unleash;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_TOKEN}",
            description = "Unleash Admin API token (env FLAGS_ADMIN_TOKEN)")
    String token;

    @Option(
            names = "--project",
            paramLabel = "NAME",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_PROJECT:-default}",
            description = "Unleash project (default: ${DEFAULT-VALUE})")
    String project;

    @Option(
            names = "--environment",
            paramLabel = "NAME",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_ENVIRONMENT:-development}",
            description = "Unleash environment (default: ${DEFAULT-VALUE})")
    String environment;

    @Option(
            names = "--file",
            paramLabel = "FLAGS.json",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_FILE}",
            description = "a local client-features file instead of Unleash, e.g. ferry-demo/flags.json"
                    + " (env FLAGS_ADMIN_FILE)")
    Path file;

    @Option(
            names = "--flag",
            paramLabel = "NAME",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_FLAG:-route-tenant-to-new}",
            description = "the routing flag (default: ${DEFAULT-VALUE})")
    String flag;

    @Option(
            names = "--by",
            paramLabel = "NAME",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:FLAGS_ADMIN_BY:-${sys:user.name}}",
            description = "who makes the change, written into the rules and the history (default: ${DEFAULT-VALUE})")
    String by;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "print JSON for machines instead of tables")
    boolean json;

    @Option(
            names = "--progress",
            scope = ScopeType.INHERIT,
            negatable = true,
            description = "show a progress line on stderr (default: when run from a terminal)")
    Boolean progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Clock clock;

    public FlagsAdmin(Clock clock) {
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(commandLine(Clock.systemUTC()).execute(args));
    }

    /** The command line with every command, exit codes mapped from what goes wrong. */
    public static CommandLine commandLine(Clock clock) {
        FlagsAdmin root = new FlagsAdmin(clock);
        CommandLine cli = new CommandLine(root);
        cli.addSubcommand("status", new StatusCommand(root));
        cli.addSubcommand("show", new ShowCommand(root));
        addChanges(cli, root, false);
        cli.addSubcommand("history", new HistoryCommand(root));
        cli.addSubcommand("serve", new ServeCommand(root));
        cli.addSubcommand("fleet", new FleetCommand(root));
        cli.addSubcommand("window", new WindowCommand(root));
        cli.addSubcommand("shadow", new ShadowCommand(root));
        cli.addSubcommand("init", new InitCommand(root, clock));
        cli.addSubcommand("doctor", new DoctorCommand(root, clock));
        CommandLine plan = new CommandLine(new PlanCommand());
        addChanges(plan, root, true);
        cli.addSubcommand("plan", plan);
        cli.setExecutionExceptionHandler(FlagsAdmin::failed);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    private static void addChanges(CommandLine cli, FlagsAdmin root, boolean dryRun) {
        cli.addSubcommand("move", new MoveCommand(root, dryRun));
        cli.addSubcommand("wave", new WaveCommand(root, dryRun));
        cli.addSubcommand("pin", new PinCommand(root, dryRun));
        cli.addSubcommand("remove", new RemoveCommand(root, dryRun));
    }

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("flags-admin: name a command (status, show, move, wave, pin, remove, history,"
                        + " plan, serve, fleet, window, shadow, init, doctor); --help lists them");
        return ExitCode.BAD_INPUT;
    }

    /** A command of {@code plan}: the changes, dry-run. */
    @Command(
            name = "plan",
            description = "Show exactly which tenants a change would move, and whether the one-way guard allows it;"
                    + " write nothing. Exit code 1 when the change would be refused.",
            mixinStandardHelpOptions = true)
    static final class PlanCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("flags-admin plan: name a change (move, wave, pin, remove)");
            return ExitCode.BAD_INPUT;
        }
    }

    MigrationStore store() {
        boolean toUnleash = unleash != null && !unleash.isBlank();
        if (toUnleash && file != null) {
            throw new BadInputException("both --unleash " + unleash + " and --file " + file
                    + " (expected: one of them; check FLAGS_ADMIN_UNLEASH_URL and FLAGS_ADMIN_FILE)");
        }
        if (file != null) {
            return new FlagsFileStore(file, flag);
        }
        if (!toUnleash) {
            throw new BadInputException("no store (expected: --unleash URL --token TOKEN, or --file FLAGS.json; or"
                    + " FLAGS_ADMIN_UNLEASH_URL and FLAGS_ADMIN_TOKEN)");
        }
        return new UnleashAdminStore(adminApi(), project, environment, flag);
    }

    /**
     * Where Ferry's flags live on Unleash, for the commands that set up or check a server itself.
     *
     * @param command the command, for the message when a flags file is given instead
     */
    Target target(String command, String windowFlag) {
        if (file != null) {
            throw new BadInputException(command + " with --file " + file + " (expected: --unleash URL --token TOKEN;"
                    + " " + command + " works on an Unleash server, and a flags file needs no set-up: the demo writes"
                    + " one, and the router checks it whenever it reads it)");
        }
        if (unleash == null || unleash.isBlank()) {
            throw new BadInputException(command + " without --unleash (expected: --unleash URL --token TOKEN, or"
                    + " FLAGS_ADMIN_UNLEASH_URL and FLAGS_ADMIN_TOKEN)");
        }
        return new Target(adminApi(), project, environment, flag, windowFlag);
    }

    private AdminApi adminApi() {
        if (token == null || token.isBlank()) {
            throw new BadInputException("--unleash " + unleash + " without a token (expected: --token with an Admin API"
                    + " token, or FLAGS_ADMIN_TOKEN)");
        }
        URI uri;
        try {
            uri = URI.create(unleash.strip());
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--unleash '" + unleash + "' is not a URL (expected: http://host:4242)");
        }
        if (uri.getScheme() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new BadInputException(
                    "--unleash '" + unleash + "' is not an http(s) URL (expected:" + " http://host:4242)");
        }
        return new AdminApi(uri, token.strip());
    }

    TenantMover mover(CommandLine.Model.CommandSpec spec) {
        return mover(spec, progress(spec.commandLine().getErr()));
    }

    TenantMover mover(CommandLine.Model.CommandSpec spec, Progress progress) {
        return new TenantMover(store(), clock, progress);
    }

    Output output(CommandLine.Model.CommandSpec spec) {
        return new Output(spec.commandLine().getOut(), json);
    }

    private Progress progress(PrintWriter err) {
        boolean show = progress != null ? progress : System.console() != null;
        return show ? new LineProgress(err) : Progress.none();
    }

    /** What went wrong, in one message, and the exit code that says what kind of thing it was. */
    private static int failed(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        int code;
        if (e instanceof BadInputException) {
            code = ExitCode.BAD_INPUT;
        } else if (e instanceof ConflictException) {
            code = ExitCode.REFUSED;
        } else if (e instanceof StoreUnavailableException) {
            code = ExitCode.UNAVAILABLE;
        } else {
            cli.getErr().println("flags-admin: unexpected error (a bug; please report it with this trace):");
            e.printStackTrace(cli.getErr());
            cli.getErr().flush();
            return ExitCode.BUG;
        }
        PrintWriter err = cli.getErr();
        err.println("flags-admin: " + e.getMessage());
        err.flush();
        Object root = cli.getCommandSpec().root().userObject();
        if (root instanceof FlagsAdmin admin && admin.json) {
            cli.getOut().println(Output.error(e.getMessage(), code));
            cli.getOut().flush();
        }
        return code;
    }
}
