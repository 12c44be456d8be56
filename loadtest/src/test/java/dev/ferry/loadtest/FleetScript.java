package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** deploy/local/fleet.sh run by a test, with the test's own state directory and the jars the build made. */
final class FleetScript {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path SCRIPT = ROOT.resolve("deploy/local/fleet.sh");

    private static boolean imageBuilt;

    private FleetScript() {}

    /**
     * The image fleet.sh runs under podman, built once per test run from the classes the build compiled
     * (deploy/image/build.sh, Jib alone): a fleet with FLEET_RUNTIME=podman and FLEET_NO_BUILD runs what is there.
     */
    static synchronized void buildImage(Path dir) throws Exception {
        if (imageBuilt) {
            return;
        }
        Path log = dir.resolve("image-build.log");
        ProcessBuilder builder = new ProcessBuilder(
                        ROOT.resolve("deploy/image/build.sh").toString())
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("IMAGE_JIB_ONLY", "1");
        Process process = builder.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("deploy/image/build.sh did not finish in 10 minutes");
        }
        assertThat(process.exitValue())
                .as("deploy/image/build.sh: %s", Files.readString(log))
                .isZero();
        imageBuilt = true;
    }

    /** Runs one command to its end (at most two minutes); it must succeed. Its output goes to DIR/fleet-CMD.log. */
    static void run(Path dir, Map<String, String> env, String... args) throws Exception {
        Path log = dir.resolve("fleet-" + args[0] + ".log");
        ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of(SCRIPT.toString()), List.of(args).stream())
                        .toList())
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("FLEET_DIR", fleetDir(dir).toString());
        builder.environment().put("FLEET_NO_BUILD", "1"); // the build running this test made the jars
        builder.environment().put("FLEET_RUNTIME", "process"); // unless the test asks for podman
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("fleet.sh " + String.join(" ", args) + " did not finish in 120 s");
        }
        assertThat(process.exitValue())
                .as("fleet.sh %s: %s", String.join(" ", args), Files.readString(log))
                .isZero();
    }

    static Path fleetDir(Path dir) {
        return dir.resolve("fleet");
    }
}
