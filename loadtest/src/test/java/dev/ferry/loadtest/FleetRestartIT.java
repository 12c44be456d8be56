package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts under load, short (docs/deploy.md, "Restarts under load"): deploy/local/fleet.sh starts three packaged
 * replicas behind HAProxy, and Gatling writes through HAProxy over keep-alive connections while every replica is
 * restarted in turn (no request may fail), or one is killed (only what it held is lost: failed, or resent by the
 * client, within what was in flight; no request reaches new).
 */
@Timeout(400)
class FleetRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void stopTheFleet() throws Exception {
        FleetScript.run(dir, Map.of(), "stop");
    }

    /** As a rolling update restarts them: the replicas are containers of the image, stopped by podman's SIGTERM. */
    @Test
    void restartingEveryReplicaInTurnUnderLoadFailsNoRequest() throws Exception {
        FleetScript.buildImage(dir);
        FleetScript.run(dir, Map.of("FLEET_RUNTIME", "podman"), "start", "3");

        JsonNode proof = prove("term", Map.of());

        assertThat(proof.path("failed").asLong()).isZero();
        assertThat(proof.path("outcomes").size()).as("every answer a 200").isEqualTo(1);
        assertThat(proof.path("outcomes").path("200").asLong())
                .isEqualTo(proof.path("requests").asLong());
        assertThat(proof.path("script").asText())
                .as("every replica restarted: SIGTERM, exit 0, ready again")
                .contains("replica 1 restarted", "replica 2 restarted", "replica 3 restarted");
        for (String replica : new String[] {"r1", "r2", "r3"}) {
            assertThat(proof.path("loadBalancer").path(replica).path("stot").asLong())
                    .as("%s took traffic", replica)
                    .isPositive();
        }
    }

    @Test
    void aReplicaKilledMidLoadLosesOnlyWhatItHeldAndNothingIsSentTwice() throws Exception {
        FleetScript.run(dir, Map.of(), "start", "3");

        // Answers take 200 ms, so that the killed replica holds requests when it dies
        JsonNode proof = prove("kill", Map.of("delayMs", "200"));

        long lost =
                proof.path("failed").asLong() + proof.path("resentByTheClient").asLong();
        assertThat(lost)
                .as("the killed replica held requests: they failed, or the client sent them again")
                .isPositive();
        assertThat(lost)
                .as("no more than was in flight")
                .isLessThanOrEqualTo(proof.path("inFlightBound").asLong());
        assertThat(proof.path("reachedABackendTwice").asLong())
                .as("twice only when the client resent what the killed replica held")
                .isEqualTo(proof.path("resentByTheClient").asLong());
        assertThat(proof.path("script").asText()).contains("replica 2 killed");
    }

    /** One short run of FleetRestartSimulation against this test's fleet; its report, which must say passed. */
    private JsonNode prove(String restart, Map<String, String> more) throws Exception {
        Path report = dir.resolve("fleet-restarts.json");
        Map<String, String> properties = new HashMap<>(more);
        properties.put("ferry.baseUrl", "http://127.0.0.1:18000");
        properties.put(
                "fleet.sequenceLog",
                FleetScript.fleetDir(dir).resolve("sequence.log").toString());
        properties.put("fleet.script", FleetScript.SCRIPT.toString());
        properties.put("fleet.dir", FleetScript.fleetDir(dir).toString());
        properties.put("fleet.report", report.toString());
        properties.put("fleet.restart", restart);
        properties.put("rate", "200");
        properties.put("before", "2");
        properties.put("after", "2");
        GatlingRun run = GatlingRun.of(FleetRestartSimulation.class, properties);
        assertThat(Files.exists(report)).as("the proof's report").isTrue();
        JsonNode proof = JSON.readTree(report.toFile());
        assertThat(run.exitCode()).as(proof.toPrettyString()).isZero();
        assertThat(proof.path("passed").asBoolean()).as(proof.toPrettyString()).isTrue();
        assertThat(proof.path("onNew").asLong()).isZero();
        assertThat(proof.path("requests").asLong()).isGreaterThan(500);
        return proof;
    }
}
