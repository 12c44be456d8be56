package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seconds-long fleet proofs (docs/cutover.md) on the project's own harness: deploy/local/fleet.sh starts three packaged
 * router replicas behind Debian's HAProxy against the real Unleash, and Gatling writes through HAProxy for a hundred
 * tenants while fifty move in one scheduled wave. The backends' sequence log must show no moved tenant served by
 * legacy after its first request on new, with every replica healthy (as JVMs, and as containers of the image under
 * podman), with one cut off from Unleash during the move, and with one whose clock is off within the bound.
 */
@Timeout(300)
class FleetCutoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = FleetScript.SCRIPT;

    @TempDir
    Path dir;

    @AfterEach
    void stopTheFleet() throws Exception {
        fleet(Map.of(), "stop");
    }

    @Test
    void aScheduledWaveSwitchesEveryReplicaAtOneInstantWithNoFailedRequest() throws Exception {
        fleet(Map.of(), "start", "3");

        JsonNode proof = prove(0);

        assertThat(proof.path("splitTenants").asInt()).isZero();
        assertThat(proof.path("legacyAfterNew").asLong()).isZero();
        assertThat(proof.path("controlOnNew").asLong()).isZero();
        assertThat(proof.path("lastLegacyAfterTMillis").asDouble())
                .as("legacy takes a moving tenant until T - skew at most")
                .isLessThanOrEqualTo(0);
        assertThat(proof.path("firstNewAfterTMillisMin").asDouble())
                .as("new opens at T + skew + legacy deadline, not before")
                .isGreaterThanOrEqualTo(1250);
        assertThat(sum(proof, "move.released.count")).as("held around T").isPositive();
        assertThat(sum(proof, "move.timed_out.count")).isZero();
    }

    @Test
    void theSameProofPassesWithTheReplicasAsContainersOfTheImage() throws Exception {
        FleetScript.buildImage(dir);
        fleet(Map.of("FLEET_RUNTIME", "podman"), "start", "3");
        assertThat(Files.readString(FleetScript.fleetDir(dir).resolve("runtime"))
                        .strip())
                .isEqualTo("podman");

        JsonNode proof = prove(0);

        assertThat(proof.path("splitTenants").asInt()).isZero();
        assertThat(proof.path("legacyAfterNew").asLong()).isZero();
        assertThat(proof.path("controlOnNew").asLong()).isZero();
        assertThat(sum(proof, "move.timed_out.count")).isZero();
    }

    @Test
    void aReplicaCutOffFromUnleashDuringTheMoveHoldsThenRefusesAndNeverMisroutes() throws Exception {
        fleet(Map.of(), "start", "3");

        JsonNode proof = prove(3);

        assertThat(proof.path("splitTenants").asInt()).isZero();
        assertThat(proof.path("legacyAfterNew").asLong()).isZero();
        assertThat(proof.path("controlOnNew").asLong()).isZero();
        JsonNode cut = proof.path("holds").path("http://127.0.0.1:18203");
        assertThat(cut.path("stale.timed_out.count").asDouble())
                .as("the cut replica held legacy-bound requests, then refused them with 503 routing_stale")
                .isPositive();
        assertThat(proof.path("holds")
                        .path("http://127.0.0.1:18201")
                        .path("stale.timed_out.count")
                        .asDouble())
                .isZero();
    }

    @Test
    void aReplicaWhoseClockIsOffWithinTheBoundSwitchesWithTheOthers() throws Exception {
        fleet(Map.of("FLEET_SKEW_MS", "200"), "start", "3");

        JsonNode proof = prove(0);

        assertThat(proof.path("splitTenants").asInt()).isZero();
        assertThat(proof.path("legacyAfterNew").asLong()).isZero();
        assertThat(proof.path("controlOnNew").asLong()).isZero();
        assertThat(sum(proof, "move.timed_out.count")).isZero();
    }

    /** One short proof run; the report it wrote. */
    private JsonNode prove(int cut) throws IOException {
        Path report = dir.resolve("fleet-proof.json");
        Map<String, String> properties = new HashMap<>();
        properties.put("ferry.baseUrl", "http://127.0.0.1:18000");
        properties.put("fleet.routers", "http://127.0.0.1:18201,http://127.0.0.1:18202,http://127.0.0.1:18203");
        properties.put("fleet.sequenceLog", dir.resolve("fleet/sequence.log").toString());
        properties.put("fleet.script", SCRIPT.toString());
        properties.put("fleet.dir", dir.resolve("fleet").toString());
        properties.put("fleet.report", report.toString());
        properties.put("fleet.cut", Integer.toString(cut));
        properties.put("rate", "200");
        properties.put("tenants", "50");
        properties.put("controlTenants", "50");
        properties.put("before", "3");
        properties.put("after", "3");
        GatlingRun run = GatlingRun.of(FleetCutoverSimulation.class, properties);
        assertThat(Files.exists(report)).as("the proof's report").isTrue();
        JsonNode proof = JSON.readTree(report.toFile());
        assertThat(run.exitCode()).as(proof.toPrettyString()).isZero();
        assertThat(proof.path("passed").asBoolean()).isTrue();
        assertThat(proof.path("movedNeverOnNew").asInt()).isZero();
        return proof;
    }

    private static double sum(JsonNode proof, String series) {
        double total = 0;
        for (JsonNode replica : proof.path("holds")) {
            total += replica.path(series).asDouble();
        }
        return total;
    }

    private void fleet(Map<String, String> env, String... args) throws Exception {
        FleetScript.run(dir, env, args);
    }
}
