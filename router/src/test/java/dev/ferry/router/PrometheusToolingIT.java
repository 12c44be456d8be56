package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Prometheus tooling ({@code promtool} from Debian's {@code prometheus}, installed by
 * deploy/local/install-test-tools.sh): the router's exposition passes its lint, and the recording rules in
 * deploy/prometheus compute the split from the series the router really exports.
 */
class PrometheusToolingIT {
    private static final Path RULES = Path.of("..", "deploy", "prometheus");

    @TempDir
    Path dir;

    @Test
    void exportsMetricsThatPromtoolAcceptsAndThatTheRulesUse() throws Exception {
        try (Backends backends = new Backends()) {
            FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
            Map<String, String> config = new HashMap<>(backends.config());
            config.putAll(flags.config());
            try (RunningRouter router = RunningRouter.startReady(config)) {
                router.get("acme", "/");
                router.get("globex", "/");
                router.get(null, "/");
                String metrics = router.metrics();
                Path file = dir.resolve("metrics.txt");
                Files.writeString(file, metrics, StandardCharsets.UTF_8);

                assertThat(promtool(file, "check", "metrics")).isEmpty();
                String rules = Files.readString(RULES.resolve("rules.yml"), StandardCharsets.UTF_8);
                for (String series : List.of(
                        "ferry_requests_seconds_count",
                        "ferry_requests_seconds_bucket",
                        "ferry_flags_loaded",
                        "ferry_flags_age_seconds",
                        "ferry_flags_state",
                        "ferry_breaker_state")) {
                    assertThat(rules).contains(series);
                    assertThat(metrics).contains(series);
                }
            }
        }
    }

    @Test
    void computesTheSplitErrorsAndAlertsAsTheRuleTestsExpect() throws Exception {
        assertThat(promtool(null, "check", "rules", RULES.resolve("rules.yml").toString()))
                .contains("SUCCESS");
        assertThat(promtool(
                        null, "test", "rules", RULES.resolve("rules.test.yml").toString()))
                .contains("SUCCESS");
    }

    /** Runs promtool (with {@code stdin} as its input, if given), fails unless it exits 0, returns its output. */
    private static String promtool(Path stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (stdin != null) {
                builder.redirectInput(stdin.toFile());
            }
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "promtool is not installed: run deploy/local/install-test-tools.sh (Debian package 'prometheus')",
                    e);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as("promtool %s:\n%s", String.join(" ", args), output)
                .isZero();
        return output.trim();
    }
}
