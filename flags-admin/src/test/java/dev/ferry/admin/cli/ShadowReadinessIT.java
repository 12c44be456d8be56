package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow reads end to end: two replicas of the packaged router on one flags file, in front of two loopback backends
 * that answer alike (one tenant excepted), a bar lowered for a test's traffic. flags-admin shadows tenants, reads and
 * merges both replicas' tallies, and gates a move to new on them.
 */
class ShadowReadinessIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Reached with 40 matching requests: the lower bound of 50 of 50 is 0.93, of 20 of 20 0.84. */
    private static final List<String> BAR = List.of(
            "shadow.readiness.min-compared: 40",
            "shadow.readiness.min-lower-bound: 0.9",
            "shadow.readiness.min-per-route: 5",
            // loopback on a busy machine: a p99 a few milliseconds apart is the machine, not new
            "shadow.readiness.latency-margin-floor: 500ms");

    @TempDir
    static Path dir;

    static Path flags;
    static LoopbackBackend legacy;
    static LoopbackBackend fresh;
    static RouterReplica first;
    static RouterReplica second;

    @BeforeAll
    static void startReplicas() throws Exception {
        flags = dir.resolve("flags.json");
        try (InputStream demo = ShadowReadinessIT.class.getResourceAsStream("/demo/flags.json")) {
            Files.write(flags, demo.readAllBytes());
        }
        legacy = new LoopbackBackend(tenant -> "{\"orders\":[],\"total\":0}");
        // new differs for hooli only: its answers carry another total
        fresh = new LoopbackBackend(tenant -> "{\"orders\":[],\"total\":" + (tenant.equals("hooli") ? 1 : 0) + "}");
        first = RouterReplica.onFile(dir.resolve("first"), flags, legacy.url(), fresh.url(), BAR);
        second = RouterReplica.onFile(dir.resolve("second"), flags, legacy.url(), fresh.url(), BAR);
    }

    @AfterAll
    static void stop() throws Exception {
        for (RouterReplica replica : new RouterReplica[] {first, second}) {
            if (replica != null) {
                replica.close();
            }
        }
        for (LoopbackBackend backend : new LoopbackBackend[] {legacy, fresh}) {
            if (backend != null) {
                backend.close();
            }
        }
    }

    private static String routers() {
        return first.adminUrl() + "," + second.adminUrl();
    }

    private static Cli.Result run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--file";
        all[1] = flags.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.run(all);
    }

    /** What one replica's admin port says of a tenant. */
    private static JsonNode tally(RouterReplica replica, String tenant) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(replica.adminUrl().resolve("/shadow/tenants/" + tenant))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void awaitShadowed(String... tenants) {
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            for (RouterReplica replica : List.of(first, second)) {
                for (String tenant : tenants) {
                    assertThat(tally(replica, tenant).path("shadowed").asBoolean())
                            .as(tenant + " on " + replica.adminUrl())
                            .isTrue();
                }
            }
        });
    }

    /** Sends {@code n} GETs of the tenant through each replica and waits until each has judged them all. */
    private static void sendThroughEach(String tenant, int n) throws Exception {
        for (RouterReplica replica : List.of(first, second)) {
            long before = observed(replica, tenant);
            replica.send(tenant, n);
            await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> observed(replica, tenant) >= before + n);
        }
    }

    private static long observed(RouterReplica replica, String tenant) throws Exception {
        return tally(replica, tenant).path("window").path("observed").asLong();
    }

    private static JsonNode show(String tenant) throws Exception {
        Cli.Result show = run("--json", "shadow", "show", tenant, "--router", routers());
        assertThat(show.exitCode()).as(show.err()).isEqualTo(ExitCode.OK);
        return JSON.readTree(show.out()).path("tenants").get(0);
    }

    private static JsonNode lastHistoryEntry() throws Exception {
        JsonNode history = JSON.readTree(run("--json", "history").out());
        return history.get(history.size() - 1);
    }

    @Test
    void refusesAMoveBelowTheBarMovesItForcedWithAReasonAndUnforcedOnceReady() throws Exception {
        Cli.Result on = run("shadow", "on", "acme", "initech");
        assertThat(on.exitCode()).as(on.err()).isEqualTo(ExitCode.OK);
        awaitShadowed("acme", "initech");
        sendThroughEach("acme", 10);
        sendThroughEach("initech", 10);

        JsonNode acme = show("acme");
        assertThat(acme.path("compared").asLong())
                .as("both replicas' counts merged")
                .isEqualTo(tally(first, "acme").path("report").path("compared").asLong()
                        + tally(second, "acme").path("report").path("compared").asLong())
                .isEqualTo(20);
        assertThat(acme.path("matched").asLong()).isEqualTo(20);
        assertThat(acme.path("ready").asBoolean()).isFalse();
        assertThat(acme.path("failures").toString())
                .contains("min_compared: 20 compared requests (expected: >= 40)")
                .contains("match_lower_bound");

        String before = Files.readString(flags);
        Cli.Result refused = run("move", "acme", "--to", "new", "--immediate", "--router", routers());

        assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(ExitCode.REFUSED);
        assertThat(refused.out())
                .contains("REFUSED by the readiness gate (shadow flag ferry.shadow)")
                .contains("acme: compared 20, matched 20, lower bound 0.8")
                .contains("- min_compared: 20 compared requests (expected: >= 40)")
                .contains("Nothing was written.");
        assertThat(Files.readString(flags)).isEqualTo(before);

        Cli.Result forced = run(
                "move",
                "initech",
                "--to",
                "new",
                "--immediate",
                "--router",
                routers(),
                "--force-unready",
                "--reason",
                "contract deadline, differences reviewed");

        assertThat(forced.exitCode()).as(forced.out() + forced.err()).isEqualTo(ExitCode.OK);
        assertThat(forced.out()).contains("FORCED past the readiness gate").contains("Written:");
        assertThat(lastHistoryEntry().path("reason").asText())
                .startsWith("contract deadline, differences reviewed [forced past readiness: initech (")
                .contains("min_compared");

        sendThroughEach("acme", 15);
        JsonNode ready = show("acme");
        assertThat(ready.path("compared").asLong()).isEqualTo(50);
        assertThat(ready.path("ready").asBoolean()).as(ready.toString()).isTrue();

        Cli.Result moved = run("move", "acme", "--to", "new", "--immediate", "--router", routers());

        assertThat(moved.exitCode()).as(moved.out() + moved.err()).isEqualTo(ExitCode.OK);
        assertThat(moved.out())
                .contains("Readiness: acme is ready (compared 50, matched 50, lower bound 0.9")
                .doesNotContain("FORCED");
        assertThat(lastHistoryEntry().path("reason").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> "new".equals(first.send("acme", 1)));
    }

    @Test
    void showsTheFieldsThatDifferResetsTheTalliesAndFailsClosedOnAReplicaThatDoesNotAnswer() throws Exception {
        assertThat(run("shadow", "on", "hooli").exitCode()).isEqualTo(ExitCode.OK);
        awaitShadowed("hooli");
        sendThroughEach("hooli", 6);

        Cli.Result show = run("shadow", "show", "--router", routers());

        assertThat(show.exitCode()).as(show.err()).isEqualTo(ExitCode.OK);
        assertThat(show.out())
                .containsPattern("hooli\\s+yes\\s+12\\s+0\\s+0\\.\\d{4}\\s+NO")
                .contains("total");
        Cli.Result status = run("status", "--router", routers());
        assertThat(status.out())
                .contains("Shadow reads (flag ferry.shadow):")
                .containsPattern("  hooli\\s+yes\\s+12\\s+0\\s+0\\.\\d{4}\\s+NO");
        JsonNode hooli = show("hooli");
        // more tenants than are asked for one by one: each replica's list, read once
        List<String> many = new java.util.ArrayList<>(List.of("--json", "shadow", "show", "hooli"));
        for (int i = 0; i < 11; i++) {
            many.add("quiet-" + i);
        }
        many.addAll(List.of("--router", routers()));
        JsonNode listed = JSON.readTree(run(many.toArray(String[]::new)).out()).path("tenants");
        assertThat(listed).hasSize(12);
        assertThat(listed.get(0).path("compared").asLong()).isEqualTo(12);
        assertThat(listed.get(1).path("compared").asLong()).isZero();
        assertThat(hooli.path("report").path("topFields").toString()).contains("total");

        URI gone = URI.create("http://127.0.0.1:" + RouterReplica.freePort());
        Cli.Result unreachable = run("shadow", "show", "hooli", "--router", first.adminUrl() + "," + gone);
        assertThat(unreachable.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(unreachable.out().replaceAll("\\s+", " "))
                .contains("readiness unknown: 1 of 2 replica(s)")
                .contains("cannot reach " + gone);
        String before = Files.readString(flags);
        Cli.Result move = run("move", "hooli", "--to", "new", "--router", first.adminUrl() + "," + gone);
        assertThat(move.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(Files.readString(flags)).isEqualTo(before);

        Cli.Result reset = run("shadow", "reset", "hooli", "--router", routers());

        assertThat(reset.exitCode()).as(reset.out()).isEqualTo(ExitCode.OK);
        assertThat(tally(first, "hooli").path("report").path("compared").asLong())
                .isZero();
        assertThat(tally(second, "hooli").path("report").path("compared").asLong())
                .isZero();
    }
}
