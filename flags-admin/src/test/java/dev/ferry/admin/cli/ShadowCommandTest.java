package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.routing.ClientFeatures;
import dev.ferry.router.shadow.ShadowFlag;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shadow} and the readiness gate on the command line against a flags file, where no replica is asked: what is
 * written, what is refused and why. With real replicas: {@code ShadowReadinessIT}.
 */
class ShadowCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FLAG = "route-tenant-to-new";

    @TempDir
    Path dir;

    Path flags;
    String file;

    @BeforeEach
    void copyTheDemoFlagsFile() throws Exception {
        flags = dir.resolve("flags.json");
        try (InputStream demo = ShadowCommandTest.class.getResourceAsStream("/demo/flags.json")) {
            Files.write(flags, demo.readAllBytes());
        }
        file = flags.toString();
    }

    private ShadowFlag shadowFlag() throws Exception {
        return ShadowFlag.read(Files.readString(flags), "ferry.shadow");
    }

    @Test
    void shadowsTenantsInTheFlagTheRouterReadsAndTakesThemOutAgain() throws Exception {
        Cli.Result on = Cli.run("--file", file, "shadow", "on", "Acme", "initech");

        assertThat(on.exitCode()).as(on.err()).isEqualTo(ExitCode.OK);
        assertThat(on.out().replaceAll("\\s+", " "))
                .contains("Shadowed: acme, initech.")
                .contains("Shadow flag ferry.shadow in flags file " + file + " lists 2 tenants: acme, initech.");
        assertThat(shadowFlag().tenants()).containsExactlyInAnyOrder("acme", "initech");
        assertThat(shadowFlag().problems()).isEmpty();
        assertThat(ClientFeatures.problems(Files.readString(flags), FLAG)).isEmpty();

        Cli.Result off = Cli.run("--file", file, "shadow", "off", "acme", "--shadow-flag", "ferry.shadow");

        assertThat(off.exitCode()).as(off.err()).isEqualTo(ExitCode.OK);
        assertThat(off.out().replaceAll("\\s+", " "))
                .contains("No longer shadowed: acme.")
                .contains("lists 1 tenant: initech.");
        assertThat(shadowFlag().tenants()).containsExactly("initech");
    }

    @Test
    void keepsTheTenantsOfAFlagSomeonePausedWhenAddingOne() throws Exception {
        assertThat(Cli.run("--file", file, "shadow", "on", "acme", "initech").exitCode())
                .isEqualTo(ExitCode.OK);
        Files.writeString(
                flags,
                Files.readString(flags)
                        .replaceFirst("(\"name\"\\s*:\\s*\"ferry.shadow\"[^}]*?\"enabled\"\\s*:\\s*)true", "$1false"));
        assertThat(shadowFlag().tenants()).isEmpty(); // paused: the routers shadow nobody

        Cli.Result on = Cli.run("--file", file, "shadow", "on", "umbrella");

        assertThat(on.exitCode()).as(on.err()).isEqualTo(ExitCode.OK);
        assertThat(shadowFlag().tenants()).containsExactlyInAnyOrder("acme", "initech", "umbrella");
    }

    @Test
    void notesThatATenantOnNewIsNotShadowed() {
        Cli.Result on = Cli.run("--file", file, "shadow", "on", "globex");

        assertThat(on.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(on.out())
                .contains("Note: globex is on new already: the routers shadow only tenants that legacy" + " serves");
    }

    @Test
    void refusesAMalformedTenantIdNamingItAndWhatIsExpected() throws Exception {
        String before = Files.readString(flags);

        Cli.Result on = Cli.run("--file", file, "shadow", "on", "acme", "no/such");

        assertThat(on.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(on.err()).contains("'no/such'").contains("at argument 2").contains("expected: 1-64 characters");
        assertThat(Files.readString(flags)).isEqualTo(before);
    }

    @Test
    void refusesShowAndResetWithoutRouterReplicas() {
        for (String command : new String[] {"show", "reset"}) {
            Cli.Result result = Cli.run("--file", file, "shadow", command, "acme");

            assertThat(result.exitCode()).as(command).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(result.err())
                    .contains("shadow " + command + " without router replicas (expected: --router URL for every"
                            + " replica's admin port");
        }
    }

    @Test
    void refusesToMoveAShadowedTenantWhoseReadinessCannotBeReadAndWritesNothing() throws Exception {
        Cli.run("--file", file, "shadow", "on", "acme");
        String before = Files.readString(flags);

        Cli.Result move = Cli.run("--file", file, "move", "acme", "initech", "--to", "new", "--immediate");

        assertThat(move.exitCode()).as(move.out()).isEqualTo(ExitCode.REFUSED);
        assertThat(move.out())
                .contains(
                        "REFUSED by the readiness gate (shadow flag ferry.shadow): 1 tenant not ready to move to new:")
                .contains("- readiness unknown: no router replica was asked (expected: --router URL for every replica")
                .contains("Nothing was written.")
                .contains("--force-unready --reason");
        assertThat(Files.readString(flags)).isEqualTo(before);
    }

    @Test
    void movesAShadowedTenantForcedPastTheGateAndTheHistorySaysSo() throws Exception {
        Cli.run("--file", file, "shadow", "on", "acme");

        Cli.Result move = Cli.run(
                "--file",
                file,
                "move",
                "acme",
                "--to",
                "new",
                "--immediate",
                "--force-unready",
                "--reason",
                "contract deadline");

        assertThat(move.exitCode()).as(move.out() + move.err()).isEqualTo(ExitCode.OK);
        assertThat(move.out())
                .contains("FORCED past the readiness gate (--force-unready)")
                .contains("Written:");
        Cli.Result history = Cli.run("--file", file, "--json", "history");
        JsonNode last =
                JSON.readTree(history.out()).get(JSON.readTree(history.out()).size() - 1);
        assertThat(last.path("reason").asText()).isEqualTo("contract deadline [forced past readiness: acme (unknown)]");
        assertThat(last.path("moves").get(0).path("tenant").asText()).isEqualTo("acme");
    }

    @Test
    void refusesAWaveThatWouldTakeAShadowedTenantNotReadyAndLetsAMoveBackThroughUnread() throws Exception {
        Cli.run("--file", file, "shadow", "on", "acme");
        String before = Files.readString(flags);

        Cli.Result wave = Cli.run("--file", file, "wave", "wave-1", "--percent", "100", "--immediate");

        assertThat(wave.exitCode()).as(wave.out()).isEqualTo(ExitCode.REFUSED);
        assertThat(wave.out()).contains("REFUSED by the readiness gate").contains("  acme:");
        assertThat(Files.readString(flags)).isEqualTo(before);

        // a shadow flag the router would not read: a move to new cannot pass, a move back never reads it
        int at = before.indexOf("\"ferry.shadow\"");
        Files.writeString(
                flags,
                before.substring(0, at) + before.substring(at).replace("\"inverted\": false", "\"inverted\": true"));
        assertThat(Cli.run("--file", file, "move", "initech", "--to", "new").err())
                .contains("shadow flag ferry.shadow in flags file")
                .contains("is not a list of tenants as the router reads it");
        Cli.Result back =
                Cli.run("--file", file, "move", "globex", "--to", "legacy", "--break-glass", "--reason", "data repair");
        assertThat(back.exitCode()).as(back.out() + back.err()).isEqualTo(ExitCode.OK);
        assertThat(back.out()).doesNotContain("readiness");
    }

    @Test
    void refusesForceWithoutAReason() {
        Cli.run("--file", file, "shadow", "on", "acme");

        Cli.Result move = Cli.run("--file", file, "move", "acme", "--to", "new", "--force-unready");

        assertThat(move.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(move.err()).contains("--force-unready without --reason (expected: --reason \"why\"");
    }

    @Test
    void movesATenantWithoutEvidenceSayingSoUnlessReadinessIsRequired() throws Exception {
        Cli.Result move = Cli.run("--file", file, "move", "acme", "--to", "new", "--immediate");

        assertThat(move.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(move.out()).contains("Note: no shadow evidence for acme: not in shadow flag ferry.shadow");

        String before = Files.readString(flags);
        Cli.Result required =
                Cli.run("--file", file, "move", "initech", "--to", "new", "--immediate", "--require-readiness");

        assertThat(required.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(required.out())
                .contains("- no shadow evidence: not in shadow flag ferry.shadow, and readiness is" + " required");
        assertThat(Files.readString(flags)).isEqualTo(before);
    }

    @Test
    void plansAMoveSayingTheGateWouldRefuseItAndExitsOne() {
        Cli.run("--file", file, "shadow", "on", "acme");

        Cli.Result plan = Cli.run("--file", file, "plan", "move", "acme", "--to", "new");

        assertThat(plan.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(plan.out())
                .contains("Dry run: nothing was written.")
                .contains("The readiness gate WOULD REFUSE this change (shadow flag ferry.shadow):");
    }

    @Test
    void reportsTheGateInJsonWithNothingWritten() throws Exception {
        Cli.run("--file", file, "shadow", "on", "acme");

        Cli.Result move = Cli.run("--file", file, "--json", "move", "acme", "--to", "new");

        assertThat(move.exitCode()).isEqualTo(ExitCode.REFUSED);
        JsonNode doc = JSON.readTree(move.out());
        assertThat(doc.path("written").asBoolean()).isFalse();
        assertThat(doc.path("readiness").path("refused").asBoolean()).isTrue();
        assertThat(doc.path("readiness")
                        .path("blocked")
                        .get(0)
                        .path("gates")
                        .get(0)
                        .asText())
                .isEqualTo("unknown");
    }

    @Test
    void showsTheShadowedTenantsInStatus() throws Exception {
        Cli.run("--file", file, "shadow", "on", "acme", "initech");

        Cli.Result status = Cli.run("--file", file, "status");

        assertThat(status.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(status.out())
                .contains("Shadow reads (flag ferry.shadow): 2 tenants shadowed: acme, initech.")
                .contains("give --router URL for every one");
        JsonNode json =
                JSON.readTree(Cli.run("--file", file, "--json", "status").out());
        assertThat(json.path("shadow").path("tenants")).hasSize(2);
    }
}
