package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Path current = Files.writeString(
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
    }
}
