package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.fleet.FleetCheck;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flags-admin fleet} against real router replicas (the packaged router, each in its own JVM): two on one flags
 * file agree; a third on an older document is named; a replica that does not answer is reported.
 */
class FleetCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path current;
    static RouterReplica first;
    static RouterReplica second;
    static RouterReplica behind;

    @BeforeAll
    static void startReplicas() throws Exception {
        String demo;
        try (InputStream in = FleetCommandIT.class.getResourceAsStream("/demo/flags.json")) {
            demo = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(demo).contains("\"values\": [\"globex\"]");
        current = Files.writeString(
                dir.resolve("current.json"),
                demo.replace("\"values\": [\"globex\"]", "\"values\": [\"globex\", \"acme\"]"));
        Path older = Files.writeString(dir.resolve("older.json"), demo);
        first = RouterReplica.start(dir.resolve("first"), current);
        second = RouterReplica.start(dir.resolve("second"), current);
        behind = RouterReplica.start(dir.resolve("behind"), older);
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        for (RouterReplica replica : new RouterReplica[] {first, second, behind}) {
            if (replica != null) {
                replica.close();
            }
        }
    }

    @Test
    void saysTheFleetAgreesWhenEveryReplicaHoldsTheSameRoutingTable() {
        Cli.Result result = Cli.run("fleet", "--router", first.adminUrl() + "," + second.adminUrl());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        assertThat(result.out())
                .contains(first.adminUrl().toString(), second.adminUrl().toString())
                .containsPattern("The fleet agrees: all 2 replicas route by routing table [0-9a-f]{12}\\.");
    }

    @Test
    void namesTheRoutingTablesAndExitsOneWhenAReplicaHoldsAnother() throws Exception {
        Cli.Result result = Cli.run(
                "--json",
                "fleet",
                "--router",
                first.adminUrl().toString(),
                "--router",
                second.adminUrl().toString(),
                "--router",
                behind.adminUrl().toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.REFUSED);
        JsonNode verdict = JSON.readTree(result.out());
        assertThat(verdict.path("agrees").asBoolean()).isFalse();
        assertThat(verdict.path("routingTables").size()).isEqualTo(2);
        String odd = verdict.path("replicas").get(2).path("routingTable").asText();
        assertThat(verdict.path("routingTables").path(odd)).hasSize(1);
        assertThat(verdict.path("routingTables").path(odd).get(0).asText())
                .isEqualTo(behind.adminUrl().toString());

        Cli.Result text = Cli.run("fleet", "--router", first.adminUrl() + "," + behind.adminUrl());
        assertThat(text.out()).contains("The fleet DISAGREES: 2 routing tables across 2 replicas");
    }

    @Test
    void exitsThreeAndSaysItCannotTellWhenAReplicaDoesNotAnswer() throws Exception {
        String nobody = "http://127.0.0.1:" + RouterReplica.freePort();

        Cli.Result result = Cli.run("fleet", "--router", first.adminUrl() + "," + nobody, "--timeout", "2");

        assertThat(result.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(result.out())
                .contains("cannot reach " + nobody + "/routing/state")
                .contains("Cannot tell: 1 of 2 replicas did not answer.");
    }

    @Test
    void refusesToRunWithoutReplicasOrWithAUrlThatIsNotOne() {
        Cli.Result none = Cli.run("fleet");
        assertThat(none.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(none.err()).contains("name the replicas with --router URL");

        Cli.Result bad = Cli.run("fleet", "--router", "ftp://10.0.0.7:9901");
        assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(bad.err()).contains("--router: 'ftp://10.0.0.7:9901' is not an http(s) URL");

        Cli.Result badWait = Cli.run(
                "--file", current.toString(), "move", "acme", "--to", "new", "--wait-for-fleet", "10.0.0.7:9901");
        assertThat(badWait.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(badWait.err())
                .contains("--wait-for-fleet: '10.0.0.7:9901' is not a URL (expected: http://HOST:PORT)");
    }

    @Test
    void waitsUntilEveryReplicaRoutesByAChangeAndSaysWhen() throws Exception {
        String before = agreedTable(first, second);

        Cli.Result move = Cli.run(
                "--file",
                current.toString(),
                "move",
                "initech",
                "--to",
                "new",
                "--reason",
                "fleet test",
                "--wait-for-fleet",
                first.adminUrl() + "," + second.adminUrl());

        assertThat(move.exitCode()).as(move.out() + move.err()).isEqualTo(ExitCode.OK);
        String after = agreedTable(first, second);
        assertThat(after).isNotEqualTo(before);
        assertThat(move.err())
                .containsPattern("Every replica \\(2\\) routes by routing table " + after + ", \\d+ ms after the write"
                        + " \\(before: " + before + "\\)\\.")
                .as("a scheduled move, by default: the command waits until the fleet switched")
                .containsPattern("Switched at \\S+Z on every replica \\(2\\); new open for the moved tenants since"
                        + " \\S+Z \\(checked with initech\\)\\.")
                .contains("Note: the migration window (ferry-migration-window) is closed");
        assertThat(move.out()).contains("The fleet switches these tenants at ");
        assertThat(new FleetCheck(Duration.ofSeconds(3)).backendOf(first.adminUrl(), "initech"))
                .isEqualTo("new");
    }

    @Test
    void writesNothingWhenTheReplicasToWaitForDisagreeBeforeTheChange() throws Exception {
        String document = Files.readString(current);

        Cli.Result move = Cli.run(
                "--file",
                current.toString(),
                "move",
                "umbrella",
                "--to",
                "new",
                "--wait-for-fleet",
                first.adminUrl() + "," + behind.adminUrl());

        assertThat(move.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(move.err()).contains("NOT WRITTEN: the 2 replicas given to --wait-for-fleet do not agree");
        assertThat(Files.readString(current)).isEqualTo(document);
    }

    @Test
    void exitsFourWhenAReplicaDoesNotRouteByTheChangeWithinTheTimeout() throws Exception {
        Path own = Files.writeString(dir.resolve("own.json"), Files.readString(current));
        Path copy = Files.writeString(dir.resolve("copy.json"), Files.readString(current));
        try (RouterReplica writer = RouterReplica.start(dir.resolve("writer"), own);
                RouterReplica stuck = RouterReplica.start(dir.resolve("stuck"), copy)) {
            Cli.Result move = Cli.run(
                    "--file",
                    own.toString(),
                    "move",
                    "hooli",
                    "--to",
                    "new",
                    "--wait-for-fleet",
                    writer.adminUrl() + "," + stuck.adminUrl(),
                    "--fleet-timeout",
                    "2");

            assertThat(move.exitCode()).isEqualTo(ExitCode.FLEET_BEHIND);
            assertThat(move.err()).contains("WRITTEN, but not every replica routes by it after 2 s");
            assertThat(Files.readString(own)).contains("hooli");
        }
    }

    private static String agreedTable(RouterReplica... replicas) throws Exception {
        String[] urls = java.util.Arrays.stream(replicas)
                .map(r -> r.adminUrl().toString())
                .toArray(String[]::new);
        Cli.Result fleet = Cli.run("--json", "fleet", "--router", String.join(",", urls));
        JsonNode verdict = JSON.readTree(fleet.out());
        assertThat(verdict.path("agrees").asBoolean()).as(fleet.out()).isTrue();
        return verdict.path("routingTables").fieldNames().next();
    }
}
