package dev.ferry.router.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * podman as the project's scripts run it: with {@code deploy/image/containers.conf} (runc, and ulimits within the
 * host's limits). Every command has a deadline and answers its exit code and output (stdout and stderr together).
 */
public final class Podman {
    /** The repository's root: Maven runs the tests in the router module. */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Path CONTAINERS_CONF = ROOT.resolve("deploy/image/containers.conf");
    /** Where Debian puts runc, outside a non-root user's PATH. */
    private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/sbin");

    /** A finished command: its exit code and what it wrote. */
    public record Result(int exitCode, String output) {
        /** The output, trimmed; fails naming the command when it did not exit with 0. */
        public String orFail(String what) {
            if (exitCode != 0) {
                fail("%s: exit code %d (expected: 0); its output:%n%s", what, exitCode, output);
            }
            return output.trim();
        }
    }

    private Podman() {}

    /** Fails, naming what is missing, unless podman and runc are installed and podman answers {@code info}. */
    public static void requireUsable() {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("podman", "runc")) {
            if (!installed(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            fail(
                    "%s not installed (expected: podman and runc, Debian's packages of those names;"
                            + " deploy/local/install-test-tools.sh installs them)",
                    String.join(" and ", missing));
        }
        run(Duration.ofSeconds(60), "info")
                .orFail("podman cannot run here ('podman info', CONTAINERS_CONF=" + CONTAINERS_CONF + ")");
    }

    /** Runs {@code podman ARGS} and waits for it, at most {@code timeout}. */
    public static Result run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return run(command, Map.of(), timeout);
    }

    /** Starts {@code podman ARGS} without waiting; its output is discarded. */
    public static Process start(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        try {
            return builder(command, Map.of())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs any command in the repository's root with podman's configuration and {@code environment} added, and waits
     * for it, at most {@code timeout} (then kills it and fails).
     */
    public static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        try {
            Path output = Files.createTempFile("ferry-podman-", ".log");
            try {
                Process process = builder(command, environment)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    fail(
                            "%s did not finish within %s; its output:%n%s",
                            String.join(" ", command), timeout, Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static ProcessBuilder builder(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
        builder.environment().put("CONTAINERS_CONF", CONTAINERS_CONF.toString());
        builder.environment().putAll(environment);
        return builder;
    }

    private static boolean installed(String tool) {
        List<String> dirs =
                new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(SYSTEM_DIRS);
        return dirs.stream().anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }
}
