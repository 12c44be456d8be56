package dev.ferry.loadtest;

import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a simulation in this JVM, as {@code gatling:test} runs it in a JVM of its own: the properties are set as system
 * properties for the run, and the HTML report is written under {@code gatling.results} ({@code target/gatling}).
 *
 * @param exitCode Gatling's: 0 when the run passed its assertions, 2 when an assertion failed, 1 when it crashed
 * @param report the run's report directory (with {@code index.html}), or null if none was written
 */
record GatlingRun(int exitCode, Path report) {
    static GatlingRun of(Class<? extends Simulation> simulation, Map<String, String> properties) {
        Path results =
                Path.of(System.getProperty("gatling.results", "target/gatling")).toAbsolutePath();
        properties.forEach(System::setProperty);
        try {
            int exitCode = io.gatling.app.Gatling$.MODULE$.fromArgs(
                    new String[] {"--simulation", simulation.getName(), "--results-folder", results.toString()});
            return new GatlingRun(exitCode, latestReport(results, simulation));
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    /** Gatling names a run's directory after the simulation, in lower case, and the time it started. */
    private static Path latestReport(Path results, Class<?> simulation) {
        String prefix = simulation.getSimpleName().toLowerCase(Locale.ROOT) + "-";
        try (Stream<Path> runs = Files.list(results)) {
            return runs.filter(run -> run.getFileName().toString().startsWith(prefix))
                    .max(Comparator.comparing(run -> run.getFileName().toString()))
                    .orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
