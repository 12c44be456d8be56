package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.testing.FlagsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged router's command line, as an operator meets it. */
class CommandLineIT {
    @TempDir
    Path dir;

    private record Run(int exitCode, String output) {}

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "ferry-router.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(
                process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void stopsWithExitCode2AndListsEveryProblemOfABadConfig() throws Exception {
        Path config = dir.resolve("ferry.yaml");
        Files.writeString(
                config,
                """
                listen:
                  port: 99999
                backends:
                  legacy.url: ftp://legacy
                pool:
                  max-idle-tme: 3s
                timeouts:
                  connect: soon
                """);

        Run run = run("--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .contains("Ferry cannot start: ")
                .contains("listen.port: 99999 (expected: 0 to 65535)")
                .contains("backends.legacy.url: 'ftp://legacy' (expected: an http:// or https:// URL")
                .contains("backends.new.url: empty (expected: an http:// or https:// URL")
                .contains("unknown key 'pool.max-idle-tme' in config file " + config
                        + " (did you mean 'pool.max-idle-time'?)")
                .contains("timeouts.connect: 'soon' (expected: a duration such as 250ms, 2s, 5m or 1h)")
                .contains("flags.file: empty (expected: a file when flags.source is file)");
    }

    @Test
    void checksAGoodConfigPrintsItWithSecretsMaskedAndExits0() throws Exception {
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        Path config = dir.resolve("ferry.yaml");
        Files.writeString(
                config,
                """
                backends:
                  legacy.url: http://127.0.0.1:1
                  new.url: http://127.0.0.1:2
                flags.file: %s
                tenant:
                  sources: [header, jwt]
                  jwt.hs256-secret: "a-very-secret-value-of-32-bytes-or-more"
                """
                        .formatted(flags.path()));

        Run run = run("--config", config.toString(), "--check");

        assertThat(run.exitCode()).isZero();
        assertThat(run.output())
                .contains("Configuration is valid.")
                .contains("tenant.jwt.hs256-secret = ***")
                .contains("backends.legacy.url = http://127.0.0.1:1")
                .doesNotContain("a-very-secret-value");
    }

    @Test
    void refusesUnknownOptionsSuggestingTheRightOneWithExitCode2() throws Exception {
        Run run = run("--confg", "x.yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("Unknown options: '--confg'").contains("Possible solutions: --config");
    }

    @Test
    void stopsWithExitCode1WhenTheHeldTenantsFileCannotBeWritten() throws Exception {
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        Path config = dir.resolve("ferry.yaml");
        Files.writeString(
                config,
                """
                listen.port: 0
                admin.port: 0
                backends:
                  legacy.url: http://127.0.0.1:1
                  new.url: http://127.0.0.1:2
                flags.file: %s
                flags.held-file: /proc/ferry/held-tenants.json
                """
                        .formatted(flags.path()));

        Run run = run("--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output())
                .contains("Ferry cannot start: ")
                .contains("flags.held-file: '/proc/ferry/held-tenants.json'");
    }
}
