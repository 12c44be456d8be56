package dev.ferry.router;

import dev.ferry.router.config.ConfigLoader;
import dev.ferry.router.config.InvalidConfigException;
import dev.ferry.router.demo.Demo;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Load config, build the parts, bind, wait for SIGTERM. */
@Command(
        name = "ferry-router",
        mixinStandardHelpOptions = true,
        version = "Ferry router 0.1.0",
        description = "Routes each request, by tenant, to the legacy or the new backend, as an Unleash flag says.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly", "1:could not start (see the log)", "2:bad arguments or configuration"})
public final class RouterMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RouterMain.class);
    /** Whether the router started and a shutdown hook owns the end of the log. */
    private static volatile boolean serving;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (see README).")
    private Path config;

    @Option(
            names = "--demo",
            description = "Start two built-in demo backends and a local flags file under ./ferry-demo;"
                    + " --config and FERRY_* variables still override.")
    private boolean demo;

    @Option(
            names = "--demo-ports",
            paramLabel = "LEGACY,NEW",
            split = ",",
            description = "The demo backends' ports, 0 for any free one (default: 9081,9082).")
    private int[] demoPorts = {Demo.LEGACY_PORT, Demo.NEW_PORT};

    @Option(names = "--check", description = "Validate the configuration, print the effective values and exit.")
    private boolean check;

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.contains("Address already in use")
                ? message
                        + " (expected: listen.port and admin.port free; set them, or FERRY_LISTEN_PORT / FERRY_ADMIN_PORT)"
                : message;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new RouterMain()).execute(args);
        if (!serving) {
            drainLog(); // once serving, the shutdown hook drains it, after its last line
        }
        System.exit(code);
    }

    /**
     * The console appender is asynchronous: drain it before the JVM exits, or the last lines (the effective
     * configuration of --check, why start-up failed, "Ferry stopped") can be lost with it.
     */
    private static void drainLog() {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
            logging.stop();
        }
    }

    /**
     * SIGTERM (podman or docker stop, Kubernetes, systemd) and SIGINT (Ctrl-C) start the graceful shutdown, and
     * {@link #call()} then returns 0. Left to the JVM, a signal runs the shutdown hooks and exits with 128 + its
     * number (143 for SIGTERM), which a supervisor reports as a failure although the router drained as asked.
     */
    private static void stopOn(Router router, String... signals) {
        for (String name : signals) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    try {
                        router.shutdown();
                    } catch (RuntimeException | Error e) {
                        // Never a process that ignores every later SIGTERM: it ends, and says it did not stop cleanly
                        LOG.error("The graceful shutdown failed: {}", e.toString(), e);
                        drainLog();
                        Runtime.getRuntime().halt(1);
                    }
                });
            } catch (IllegalArgumentException e) {
                // -Xrs: the JVM leaves signals alone, and so does the router.
                LOG.info("SIG{} is not the router's to handle: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (demoPorts.length != 2) {
            System.err.println("Ferry cannot start: --demo-ports " + java.util.Arrays.toString(demoPorts)
                    + " (expected: two ports, LEGACY,NEW, such as 9081,9082)");
            return 2;
        }
        Demo demoParts = demo ? Demo.start(Path.of("ferry-demo"), demoPorts[0], demoPorts[1]) : null;
        Map<String, String> base = demoParts == null ? Map.of() : demoParts.config();
        ConfigLoader.Loaded loaded;
        try {
            loaded = ConfigLoader.load(base, Optional.ofNullable(config), System.getenv());
        } catch (InvalidConfigException e) {
            System.err.println("Ferry cannot start: " + e.getMessage());
            if (demoParts != null) {
                demoParts.close();
            }
            return 2;
        }
        LOG.info("Effective configuration:\n  {}", String.join("\n  ", loaded.describe()));
        if (check) {
            System.out.println("Configuration is valid.");
            return 0;
        }
        Router router;
        try {
            router = Router.start(loaded.config(), Clock.systemUTC());
        } catch (RuntimeException e) {
            LOG.error("Ferry cannot start: {}", describe(e), e);
            if (demoParts != null) {
                demoParts.close();
            }
            return 1;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            router.shutdown();
                            if (demoParts != null) {
                                demoParts.close();
                            }
                            drainLog();
                        },
                        "ferry-shutdown"));
        stopOn(router, "TERM", "INT");
        serving = true;
        if (demoParts != null) {
            demoParts.printWelcome(
                    router.port(),
                    router.adminPort(),
                    loaded.config().flags().source() == dev.ferry.router.config.FlagsConfig.Source.FILE);
        }
        router.awaitShutdown();
        return 0;
    }
}
