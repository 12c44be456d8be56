package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.unleash.RunningUnleash;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end against the real Unleash server. */
class FlagsAdminIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final RunningUnleash unleash = RunningUnleash.running();
    private String flag;

    @BeforeEach
    void createFlag() {
        flag = unleash.createFlag("cli");
    }

    @AfterEach
    void archiveFlag() {
        unleash.archive(flag);
    }

    private Cli.Result run(String token, String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "--unleash";
        all[1] = unleash.base().toString();
        all[2] = "--token";
        all[3] = token;
        all[4] = "--flag";
        all[5] = flag;
        System.arraycopy(args, 0, all, 6, args.length);
        return Cli.run(all);
    }

    @Test
    void opensAndClosesTheMigrationWindowInUnleash() throws Exception {
        String window = "ferry-window-" + Long.toString(System.nanoTime(), 36);

        Cli.Result before = run(RunningUnleash.ADMIN_TOKEN, "window", "show", "--window-flag", window);
        Cli.Result open = run(RunningUnleash.ADMIN_TOKEN, "window", "open", "--window-flag", window);
        Cli.Result again = run(RunningUnleash.ADMIN_TOKEN, "--json", "window", "--window-flag", window);
        Cli.Result close = run(RunningUnleash.ADMIN_TOKEN, "window", "close", "--window-flag", window);

        assertThat(before.out()).contains("closed.");
        assertThat(open.exitCode()).as(open.err()).isEqualTo(ExitCode.OK);
        assertThat(open.out()).contains("OPEN.");
        assertThat(JSON.readTree(again.out()).path("open").asBoolean()).isTrue();
        assertThat(close.out()).contains("closed.");
        unleash.archive(window);
    }

    @Test
    void movesATenantInUnleashAndShowsIt() throws Exception {
        Cli.Result move = run(
                RunningUnleash.ADMIN_TOKEN,
                "move",
                "acme",
                "--to",
                "new",
                "--immediate",
                "--by",
                "jane",
                "--shadow-flag",
                flag + ".shadow"); // not the server's ferry.shadow, which a person trying shadow reads may have left
        Cli.Result show = run(RunningUnleash.ADMIN_TOKEN, "show", "acme", "--json");

        assertThat(move.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(move.out())
                .contains("legacy (no rule) → new (pilot), 1 tenant:\n    acme")
                .contains("Written:" + " revision event ");
        JsonNode shown = JSON.readTree(show.out());
        assertThat(shown.path("backend").asText()).isEqualTo("new");
        assertThat(shown.path("rule").asText()).isEqualTo("pilot");
        assertThat(shown.path("since").path("by").asText()).startsWith("jane");
    }

    @Test
    void shadowsATenantInUnleashWhichARouterReplicaThenShadowsAndGatesItsMoveOn() throws Exception {
        String shadowFlag = flag + ".shadow";
        try (LoopbackBackend legacy = new LoopbackBackend(t -> "{\"orders\":[]}");
                LoopbackBackend fresh = new LoopbackBackend(t -> "{\"orders\":[]}");
                RouterReplica replica = RouterReplica.onUnleash(
                        dir, unleash.base(), flag, legacy.url(), fresh.url(), List.of("shadow.flag: " + shadowFlag))) {
            Cli.Result on = run(RunningUnleash.ADMIN_TOKEN, "shadow", "on", "acme", "--shadow-flag", shadowFlag);
            assertThat(on.exitCode()).as(on.err()).isEqualTo(ExitCode.OK);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest tally = HttpRequest.newBuilder(replica.adminUrl().resolve("/shadow/tenants/acme"))
                    .build();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> JSON.readTree(http.send(tally, HttpResponse.BodyHandlers.ofString())
                                    .body())
                            .path("shadowed")
                            .asBoolean());
            replica.send("acme", 5);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> JSON.readTree(http.send(tally, HttpResponse.BodyHandlers.ofString())
                                            .body())
                                    .path("window")
                                    .path("observed")
                                    .asLong()
                            >= 5);
            String router = replica.adminUrl().toString();

            Cli.Result show = run(
                    RunningUnleash.ADMIN_TOKEN,
                    "--json",
                    "shadow",
                    "show",
                    "acme",
                    "--shadow-flag",
                    shadowFlag,
                    "--router",
                    router);
            Cli.Result move = run(
                    RunningUnleash.ADMIN_TOKEN,
                    "move",
                    "acme",
                    "--to",
                    "new",
                    "--immediate",
                    "--shadow-flag",
                    shadowFlag,
                    "--router",
                    router);

            assertThat(JSON.readTree(show.out())
                            .path("tenants")
                            .get(0)
                            .path("compared")
                            .asLong())
                    .isEqualTo(5);
            assertThat(move.exitCode()).as(move.out()).isEqualTo(ExitCode.REFUSED);
            assertThat(move.out()).contains("- min_compared: 5 compared requests (expected: >= 200)");
            assertThat(unleash.playground(flag, "acme")).isEqualTo("legacy:null");
        } finally {
            unleash.archive(shadowFlag);
        }
    }

    @Test
    void exitsWithThreeWhenUnleashRefusesTheToken() {
        Cli.Result wrong = run("*:*.not-the-token", "status");
        Cli.Result client = run(RunningUnleash.CLIENT_TOKEN, "status");

        assertThat(wrong.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(wrong.err()).contains("refused the token (401 Unauthorized");
        assertThat(client.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(client.err()).contains("403 Forbidden").contains("a client token cannot use the Admin API");
    }

    @Test
    void exitsWithThreeWhenUnleashIsUnreachable() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }

        Cli.Result result = Cli.run(
                "--unleash", "http://127.0.0.1:" + closed, "--token", RunningUnleash.ADMIN_TOKEN, "status", "--json");

        assertThat(result.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(result.err()).contains("Unleash at http://127.0.0.1:" + closed + " is not reachable");
        assertThat(JSON.readTree(result.out()).path("exitCode").asInt()).isEqualTo(ExitCode.UNAVAILABLE);
    }

    @Test
    void exitsWithTwoForAFlagThatDoesNotExist() {
        Cli.Result result = Cli.run(
                "--unleash",
                unleash.base().toString(),
                "--token",
                RunningUnleash.ADMIN_TOKEN,
                "--flag",
                flag + "-missing",
                "status");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(result.err()).contains("does not exist in project default");
    }
}
