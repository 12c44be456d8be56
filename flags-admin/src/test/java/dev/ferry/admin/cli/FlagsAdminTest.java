package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.routing.ClientFeatures;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end against a flags file: what it prints, what it writes, how it exits. */
class FlagsAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Path flags;
    String file;

    @BeforeEach
    void copyTheDemoFlagsFile() throws Exception {
        flags = dir.resolve("flags.json");
        try (InputStream demo = FlagsAdminTest.class.getResourceAsStream("/demo/flags.json")) {
            Files.write(flags, demo.readAllBytes());
        }
        file = flags.toString();
    }

    @Test
    void plansExactlyTheTenantsThatWouldMoveAndWritesNothing() throws Exception {
        String before = Files.readString(flags);

        Cli.Result result = Cli.run("--file", file, "plan", "move", "acme", "initech", "--to", "new");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(result.out())
                .contains("Plan: move acme, initech --to new --rule pilot --starts-at ")
                .contains("Tenants that move later, when their rule starts (2):")
                .containsPattern("legacy \\(no rule\\) → new \\(pilot-\\d{8}-\\d{6}\\) at \\S+Z, 2 tenants:\n    acme,"
                        + " initech")
                .as("pilot is in force already: the scheduled tenants get a rule of their own, starting at T")
                .containsPattern("pilot-\\d{8}-\\d{6}\\s+created\\s+created as rule #2: list, 2 tenants, from ")
                .contains("Dry run: nothing was written.")
                .contains("The fleet switches these tenants at ")
                .contains("(lease 3s + 3 x clock skew");
        assertThat(Files.readString(flags)).isEqualTo(before);
    }

    @Test
    void movesATenantAndShowsWhereItGoesSinceWhenAndByWhom() throws Exception {
        Cli.Result move = Cli.run(
                "--file", file, "move", "acme", "--to", "new", "--immediate", "--by", "jane", "--reason", "pilot");
        Cli.Result show = Cli.run("show", "ACME", "--file", file);

        assertThat(move.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(move.out())
                .contains("Written: revision sha256:")
                .contains("IMMEDIATE (--immediate): each replica switches at its own next poll");
        assertThat(ClientFeatures.problems(Files.readString(flags), "route-tenant-to-new"))
                .isEmpty();
        assertThat(show.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(show.out())
                .startsWith("acme → new")
                .contains("why:     listed in pilot")
                .contains("by jane (reason: pilot)")
                .contains("change:  move acme --to new --rule pilot");
    }

    @Test
    void refusesAMoveBackWithExitCodeOneAndSaysWhy() throws Exception {
        Cli.run("--file", file, "move", "acme", "--to", "new", "--immediate");
        String before = Files.readString(flags);

        Cli.Result result = Cli.run("--file", file, "remove", "acme", "--rule", "pilot");

        assertThat(result.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(result.out())
                .contains("REFUSED by the one-way guard:")
                .contains("removing acme from the list that routes it to new would send it back to legacy")
                .contains("Data is replicated one way only")
                .contains("--break-glass --reason")
                .contains("Nothing was written.");
        assertThat(Files.readString(flags)).isEqualTo(before);
    }

    @Test
    void writesTheMovedBackMarkerWithBreakGlass() throws Exception {
        Cli.Result result = Cli.run(
                "--file",
                file,
                "move",
                "globex",
                "--to",
                "legacy",
                "--break-glass",
                "--reason",
                "data repair OPS-1",
                "--by",
                "jane");
        Cli.Result status = Cli.run("--file", file, "status", "--json");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(result.out())
                .contains("overridden with --break-glass")
                .contains("new (pilot) → legacy (moved-back), 1 tenant:\n    globex");
        JsonNode movedBack = JSON.readTree(status.out()).path("rules").path(0);
        assertThat(movedBack.path("name").asText()).isEqualTo("moved-back");
        assertThat(movedBack.path("deliberate").asBoolean()).isTrue();
        assertThat(movedBack.path("reason").asText()).isEqualTo("data repair OPS-1");
        assertThat(movedBack.path("by").asText()).isEqualTo("jane");
        assertThat(ClientFeatures.problems(Files.readString(flags), "route-tenant-to-new"))
                .isEmpty();
    }

    @Test
    void refusesBreakGlassWithoutAReasonAsBadInput() {
        Cli.Result result = Cli.run("--file", file, "move", "globex", "--to", "legacy", "--break-glass");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(result.err()).contains("--break-glass without --reason");
    }

    @Test
    void namesAMalformedTenantId() {
        Cli.Result result = Cli.run("--file", file, "move", "acme", "bad/id", "--to", "new");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(result.err())
                .contains("tenant id 'bad/id' is malformed at argument 2")
                .contains("expected: 1-64 characters of [a-z0-9._-]");
    }

    @Test
    void namesEveryMalformedLineOfATenantFile() throws Exception {
        Path tenants = Files.writeString(dir.resolve("wave-2.txt"), "acme\nglobex\n-bad\n\nnot/ok\n");

        Cli.Result result = Cli.run("--file", file, "move", "--from-file", tenants.toString(), "--to", "new");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(result.err())
                .contains("2 malformed tenant ids")
                .contains("at " + tenants + ":3")
                .contains("at " + tenants + ":5");
    }

    @Test
    void movesTenThousandTenantsFromAFile() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(String.format("tenant-%05d", i));
        }
        Path tenants = Files.write(dir.resolve("wave-2.txt"), ids);

        Cli.Result result = Cli.run(
                "--file", file, "move", "--from-file", tenants.toString(), "--to", "new", "--rule", "wave-2", "--json");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        JsonNode plan = JSON.readTree(result.out());
        assertThat(plan.path("scheduled"))
                .as("at the fleet-safe time, by default")
                .hasSize(10_000);
        assertThat(Instant.parse(plan.path("switchesAt").asText())).isAfter(Instant.now());
        assertThat(plan.path("written").asBoolean()).isTrue();
        assertThat(ClientFeatures.problems(Files.readString(flags), "route-tenant-to-new"))
                .isEmpty();
    }

    @Test
    void opensAndClosesTheMigrationWindowInTheFlagsFile() throws Exception {
        Cli.Result closed = Cli.run("--file", file, "window");
        Cli.Result open = Cli.run("--file", file, "window", "open");
        String opened = Files.readString(flags);
        Cli.Result json = Cli.run("--file", file, "--json", "window", "show");
        Cli.Result close = Cli.run("--file", file, "window", "close");
        Cli.Result bad = Cli.run("--file", file, "window", "ajar");

        assertThat(closed.out())
                .startsWith("Migration window (ferry-migration-window in flags file ")
                .contains("closed.");
        assertThat(open.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(open.out()).contains("OPEN.");
        assertThat(ClientFeatures.problems(opened, "route-tenant-to-new")).isEmpty();
        assertThat(ClientFeatures.enabled(opened, "ferry-migration-window"))
                .as("as the router reads it")
                .isTrue();
        assertThat(JSON.readTree(json.out()).path("open").asBoolean()).isTrue();
        assertThat(close.out()).contains("closed.");
        assertThat(ClientFeatures.enabled(Files.readString(flags), "ferry-migration-window"))
                .isFalse();
        assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(bad.err()).contains("window ajar (expected: open, close or show)");
    }

    @Test
    void printsPlansAndRefusalsAsJsonForMachines() throws Exception {
        Cli.Result plan = Cli.run("--file", file, "--json", "plan", "move", "acme", "--to", "new");
        Cli.Result refusal = Cli.run("--file", file, "--json", "pin", "globex");

        assertThat(plan.exitCode()).isEqualTo(ExitCode.OK);
        JsonNode p = JSON.readTree(plan.out());
        assertThat(p.path("dryRun").asBoolean()).isTrue();
        assertThat(p.path("moves")).isEmpty();
        assertThat(p.path("scheduled").get(0).path("tenant").asText()).isEqualTo("acme");
        assertThat(p.path("scheduled").get(0).path("to").asText()).isEqualTo("new");
        assertThat(p.path("lead").asText()).isEqualTo("lease 3s + 3 x clock skew 250ms + propagation 1500ms");
        assertThat(refusal.exitCode()).isEqualTo(ExitCode.REFUSED);
        JsonNode r = JSON.readTree(refusal.out());
        assertThat(r.path("refused").asBoolean()).isTrue();
        assertThat(r.path("refusals").get(0).path("kind").asText()).isEqualTo("MOVE_BACK");
        assertThat(r.path("refusals").get(0).path("tenants").get(0).asText()).isEqualTo("globex");
        assertThat(r.path("why").asText()).contains("replicated one way only");
    }

    @Test
    void listsTheHistoryInMigrationTerms() {
        Cli.run("--file", file, "move", "acme", "--to", "new", "--immediate", "--by", "jane");
        Cli.run("--file", file, "wave", "wave-1", "--percent", "10", "--immediate", "--by", "john");

        Cli.Result result = Cli.run("--file", file, "history");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(result.out())
                .contains("  jane  (sha256:")
                .contains("  move acme --to new --rule pilot --immediate\n  legacy → new (pilot): acme")
                .contains("  john  (sha256:")
                .contains("  wave wave-1 --percent 10 --immediate");
    }

    @Test
    void showsTheRulesWithTheirTenantsAndWaves() {
        Cli.run("--file", file, "pin", "umbrella", "--legacy");
        Cli.run("--file", file, "wave", "wave-1", "--percent", "10");

        Cli.Result result = Cli.run("--file", file, "status");

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(result.out())
                .contains("Flag route-tenant-to-new in flags file " + file + ": on, revision sha256:")
                .containsPattern("1 +pinned +pinned +legacy +1 +1 tenant: umbrella")
                .containsPattern("2 +pilot +list +new +1 +1 tenant: globex")
                .containsPattern("3 +wave-1 +wave +new +- +10 % of tenants \\(groupId wave-1\\)");
    }

    @Test
    void refusesBadOptionsWithExitCodeTwo() {
        assertThat(Cli.run("status").exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(Cli.run("status").err()).contains("no store (expected: --unleash URL --token TOKEN, or --file");
        assertThat(Cli.run("--file", file, "--unleash", "http://127.0.0.1:4242", "status")
                        .err())
                .contains("both --unleash");
        assertThat(Cli.run("--file", file, "move", "acme").exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(Cli.run("--file", file, "move", "acme", "--to", "sideways").exitCode())
                .isEqualTo(ExitCode.BAD_INPUT);
        assertThat(Cli.run("--file", dir.resolve("nope.json").toString(), "status")
                        .err())
                .contains("nope.json does not exist");
        assertThat(Cli.run("--file", file, "wave", "wave-1", "--percent", "120").err())
                .contains("--percent 120 (expected: 0 to 100)");
        assertThat(Cli.run(
                                "--file",
                                file,
                                "move",
                                "acme",
                                "--to",
                                "new",
                                "--rule",
                                "w2",
                                "--starts-at",
                                "2026-12-01T02:00:00.0001Z")
                        .err())
                .contains("has more than milliseconds");
    }

    @Test
    void refusesAHistoryOfFewerThanOneChange() {
        Cli.Result none = Cli.run("--file", file, "history", "--last", "0");

        assertThat(none.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(none.err()).contains("--last 0 (expected: a whole number of changes, at least 1)");
    }

    @Test
    void writesWithExpectRevisionOnlyWhileTheFlagIsStillAtThatRevision() throws Exception {
        Cli.Result plan = Cli.run("--file", file, "plan", "move", "acme", "--to", "new", "--immediate", "--json");
        String revision = JSON.readTree(plan.out()).path("revision").asText();
        Cli.run("--file", file, "pin", "initech", "--by", "john");
        String between = Files.readString(flags);

        Cli.Result stale =
                Cli.run("--file", file, "move", "acme", "--to", "new", "--immediate", "--expect-revision", revision);
        Cli.Result staleJson = Cli.run(
                "--file", file, "move", "acme", "--to", "new", "--immediate", "--expect-revision", revision, "--json");

        assertThat(stale.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(stale.out())
                .startsWith("NOT WRITTEN: the migration changed since the plan was made: it was planned on revision "
                        + revision)
                .contains("Plan: move acme --to new --rule pilot")
                .contains("legacy (no rule) → new (pilot), 1 tenant:\n    acme")
                .doesNotContain("Dry run");
        JsonNode json = JSON.readTree(staleJson.out());
        assertThat(json.path("exitCode").asInt()).isEqualTo(ExitCode.REFUSED);
        assertThat(json.path("expectedRevision").asText()).isEqualTo(revision);
        String now = json.path("plan").path("revision").asText();
        assertThat(now).isNotEqualTo(revision);
        assertThat(stale.out()).endsWith("run the command again with --expect-revision '" + now + "'.\n");
        assertThat(Files.readString(flags)).isEqualTo(between);

        Cli.Result written =
                Cli.run("--file", file, "move", "acme", "--to", "new", "--immediate", "--expect-revision", now);

        assertThat(written.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(written.out()).contains("Written: revision sha256:");
    }

    @Test
    void refusesToServeTheConsoleWithoutATokenOrWithBadOptions() {
        Cli.Result none = Cli.run("--file", file, "serve");
        Cli.Result shortToken = Cli.run("--file", file, "serve", "--console-token", "secret");
        Cli.Result badListen =
                Cli.run("--file", file, "serve", "--console-token", "0123456789abcdef", "--listen", "localhost");
        Cli.Result badPort =
                Cli.run("--file", file, "serve", "--console-token", "0123456789abcdef", "--listen", "127.0.0.1:99999");
        Cli.Result bothSplits = Cli.run(
                "--file",
                file,
                "serve",
                "--console-token",
                "0123456789abcdef",
                "--router-metrics",
                "http://127.0.0.1:9901/metrics",
                "--prometheus",
                "http://127.0.0.1:9090");
        Cli.Result badUrl = Cli.run(
                "--file", file, "serve", "--console-token", "0123456789abcdef", "--router-metrics", "127.0.0.1:9901");

        assertThat(List.of(none, shortToken, badListen, badPort, bothSplits, badUrl))
                .extracting(Cli.Result::exitCode)
                .containsOnly(ExitCode.BAD_INPUT);
        assertThat(none.err())
                .contains("no console token")
                .contains("--console-token TOKEN or FLAGS_ADMIN_CONSOLE_TOKEN");
        assertThat(shortToken.err()).contains("the console token is 6 characters (expected: at least 16");
        assertThat(badListen.err()).contains("--listen 'localhost' has no port (expected: HOST:PORT");
        assertThat(badPort.err()).contains("the port is not 0 to 65535");
        assertThat(bothSplits.err()).contains("both --router-metrics and --prometheus");
        assertThat(badUrl.err()).contains("--router-metrics '127.0.0.1:9901' is not an http(s) URL");
    }

    @Test
    void refusesABlankRuleOrARuleForAMoveBackAsTheConsoleDoes() {
        Cli.Result blank = Cli.run("--file", file, "move", "acme", "--to", "new", "--rule", " ");
        Cli.Result back = Cli.run(
                "--file", file, "move", "acme", "--to", "legacy", "--rule", "pilot", "--break-glass", "--reason", "r");

        assertThat(blank.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(blank.err()).contains("--rule is blank (expected: a rule name such as pilot, or none for pilot)");
        assertThat(back.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(back.err()).contains("to legacy with --rule or --starts-at (expected: neither");
    }
}
