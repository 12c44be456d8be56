package dev.ferry.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.unleash.RunningUnleash;
import dev.ferry.router.routing.ClientFeatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flags-admin init} and {@code doctor} against the real Unleash and the packaged router polling it: init on a
 * flag that does not exist creates one a router routes by, a second run changes nothing, doctor says OK on that set-up
 * and names a broken flag, a router that disagrees and a router that is down.
 */
class InitDoctorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    static Path dir;

    static RunningUnleash unleash;
    static String flag;
    static Cli.Result firstInit;
    static LoopbackBackend legacy;
    static LoopbackBackend fresh;
    static RouterReplica router;
    static final List<String> archive = new ArrayList<>();

    @BeforeAll
    static void initAndStartARouter() throws Exception {
        unleash = RunningUnleash.running();
        flag = unleash.uniqueName("init");
        firstInit = run(flag, "init", "--window-flag", flag + "-window");
        archive.add(flag);
        archive.add(flag + "-window");
        legacy = new LoopbackBackend("legacy");
        fresh = new LoopbackBackend("new");
        router = RouterReplica.onUnleash(dir.resolve("router"), unleash.base(), flag, legacy.url(), fresh.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (AutoCloseable backend : new AutoCloseable[] {legacy, fresh}) {
            if (backend != null) {
                backend.close();
            }
        }
        archive.forEach(unleash::archive);
    }

    static Cli.Result run(String flag, String... args) {
        List<String> all = new ArrayList<>(
                List.of("--unleash", unleash.base().toString(), "--token", RunningUnleash.ADMIN_TOKEN, "--flag", flag));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    static String servedBy(String tenant) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(router.proxyUrl().resolve("/hello"))
                .header("X-Tenant-Id", tenant)
                .timeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return response.headers().firstValue("X-Ferry-Backend").orElse("none: " + response.statusCode());
    }

    @Test
    void initCreatesTheFlagAndTheWindowThatARouterRoutesBy() throws Exception {
        assertThat(firstInit.exitCode()).as(firstInit.err()).isEqualTo(ExitCode.OK);
        assertThat(firstInit.out())
                .contains("CREATED  routing flag " + flag + " on in development with rule init")
                .contains("CREATED  migration window flag " + flag + "-window, off")
                .contains("All as Ferry needs it.");
        // the router's own check of the document it polls
        assertThat(ClientFeatures.problems(unleash.clientDocument(flag), flag)).isEmpty();
        assertThat(servedBy("acme")).isEqualTo("legacy");

        Cli.Result move = run(flag, "move", "initech", "--to", "new", "--immediate", "--reason", "init test");

        assertThat(move.exitCode()).as(move.err()).isEqualTo(ExitCode.OK);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(servedBy("initech")).isEqualTo("new"));
        assertThat(servedBy("acme")).isEqualTo("legacy");
    }

    @Test
    void initASecondTimeSaysWhatExistsAndChangesNothing() {
        JsonNode before = unleash.strategies(flag);

        Cli.Result again = run(flag, "init", "--window-flag", flag + "-window");

        assertThat(again.exitCode()).as(again.err()).isEqualTo(ExitCode.OK);
        assertThat(again.out())
                .doesNotContain("CREATED")
                .contains("OK       context field tenantId exists")
                .contains("OK       routing flag " + flag + " exists, on in development")
                .contains("OK       migration window flag " + flag + "-window exists (the window is closed)");
        assertThat(unleash.strategies(flag)).isEqualTo(before);
    }

    @Test
    void doctorSaysEverythingIsOkOnTheSetUpInitMadeWithARouterAndATenant() {
        Cli.Result move = run(flag, "move", "hooli", "--to", "new", "--immediate", "--reason", "doctor test");
        assertThat(move.exitCode()).as(move.err()).isEqualTo(ExitCode.OK);

        // a router applies a change within about 2 s: until then doctor says it is behind
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Cli.Result doctor =
                    run(flag, "doctor", "--router", router.adminUrl().toString(), "--tenant", "hooli");
            assertThat(doctor.exitCode()).as(doctor.out() + doctor.err()).isEqualTo(ExitCode.OK);
            assertThat(doctor.out())
                    .doesNotContain("PROBLEM")
                    .contains("OK       router " + router.adminUrl() + " is ready")
                    .containsPattern("OK       router " + router.adminUrl() + " routes by revision \\d+ ")
                    .contains("OK       router " + router.adminUrl() + " sends hooli to new (reason wave, rule pilot),"
                            + " as the flag does: listed in pilot")
                    .contains("All as Ferry needs it.");
        });
    }

    @Test
    void doctorAndInitNameAFlagWhoseOnlyRuleIsDisabledOrRemovedAndInitLeavesItAlone() throws Exception {
        String broken = unleash.uniqueName("broken");
        archive.add(broken);
        archive.add(broken + "-window");
        assertThat(run(broken, "init", "--window-flag", broken + "-window").exitCode())
                .isEqualTo(ExitCode.OK);
        JsonNode rule = unleash.strategies(broken).get(0);
        String path = "/api/admin/projects/default/features/" + broken + "/environments/development/strategies/"
                + rule.path("id").asText();
        unleash.admin()
                .expect(
                        "PUT",
                        path,
                        ((com.fasterxml.jackson.databind.node.ObjectNode) rule.deepCopy()).put("disabled", true));

        Cli.Result disabled = run(broken, "doctor");
        Cli.Result init = run(broken, "init", "--window-flag", broken + "-window");
        JsonNode afterInit = unleash.strategies(broken);
        unleash.admin().expect("DELETE", path, null);
        Cli.Result removed = run(broken, "--json", "doctor");

        // Unleash turns a flag off in an environment whose last enabled strategy is disabled or removed
        assertThat(disabled.exitCode()).as(disabled.err()).isEqualTo(ExitCode.REFUSED);
        assertThat(disabled.out())
                .contains("PROBLEM  routing flag " + broken + " is off in development: every tenant is on legacy and"
                        + " moves take no effect");
        assertThat(init.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(init.out())
                .contains("PROBLEM  routing flag " + broken + " exists but is off in development with 1 rule(s)")
                .contains("init does not turn it on");
        assertThat(afterInit).hasSize(1);
        assertThat(afterInit.get(0).path("disabled").asBoolean()).isTrue();
        assertThat(removed.exitCode()).isEqualTo(ExitCode.REFUSED);
        JsonNode report = JSON.readTree(removed.out());
        assertThat(report.path("ok").asBoolean()).isFalse();
        assertThat(report.path("checks").findValuesAsText("text"))
                .anyMatch(t -> t.contains("is off in development: every tenant is on legacy"));
    }

    @Test
    void doctorAndInitNameAFlagTurnedOnWithoutARuleThatSendsEveryTenantToNew() {
        String broken = unleash.uniqueName("norule");
        archive.add(broken);
        archive.add(broken + "-window");
        unleash.admin()
                .expect(
                        "POST",
                        "/api/admin/projects/default/features",
                        JSON.createObjectNode().put("name", broken).put("type", "release"));
        // turned on without a strategy: Unleash adds a 100 % one of its own
        unleash.admin()
                .expect(
                        "POST",
                        "/api/admin/projects/default/features/" + broken + "/environments/development/on",
                        null);

        Cli.Result doctor = run(broken, "doctor");
        Cli.Result init = run(broken, "init", "--window-flag", broken + "-window");

        assertThat(doctor.exitCode()).as(doctor.out() + doctor.err()).isEqualTo(ExitCode.REFUSED);
        assertThat(doctor.out())
                .contains("PROBLEM  routing flag " + broken + ": rule #1 (" + broken + ") sends EVERY tenant to new,"
                        + " and has no payload");
        assertThat(init.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(init.out()).contains("sends EVERY tenant to new").contains("init changes nothing");
        assertThat(unleash.strategies(broken)).hasSize(1);
    }

    @Test
    void doctorNamesAFlagThatIsOffAndARuleOfTheWrongShape() {
        String off = unleash.createFlag("doctor-off");
        archive.add(off);
        String env = "/api/admin/projects/default/features/" + off + "/environments/development";
        unleash.admin().expect("POST", env + "/off", null);
        unleash.admin()
                .expect(
                        "POST",
                        env + "/strategies",
                        JSON.createObjectNode()
                                .put("name", "flexibleRollout")
                                .set(
                                        "parameters",
                                        JSON.createObjectNode()
                                                .put("rollout", "50")
                                                .put("stickiness", "default")
                                                .put("groupId", "w")));

        Cli.Result doctor = run(off, "doctor");

        assertThat(doctor.exitCode()).as(doctor.err()).isEqualTo(ExitCode.REFUSED);
        assertThat(doctor.out())
                .contains("PROBLEM  routing flag " + off + " is off in development: every tenant is on legacy")
                .contains("PROBLEM  routing flag " + off + ": rule #2 (w) uses a 50 % rollout with stickiness"
                        + " 'default' (expected: tenantId)");
    }

    @Test
    void doctorNamesARouterThatRoutesOtherwiseAndOneThatIsDown() throws Exception {
        // a router reading a flags file in which acme is on new, where Unleash has it on legacy
        String document =
                """
                {"version": 2, "features": [{"name": "%s", "enabled": true, "strategies": [
                  {"name": "flexibleRollout",
                   "constraints": [{"contextName": "tenantId", "operator": "IN", "values": ["acme"]}],
                   "parameters": {"rollout": "100", "stickiness": "tenantId", "groupId": "pilot"},
                   "variants": [{"name": "pilot", "weight": 1000, "weightType": "fix", "stickiness": "tenantId",
                     "payload": {"type": "json", "value": "{\\"backend\\":\\"new\\",\\"rule\\":\\"pilot\\"}"}}]}]}]}
                """
                        .formatted(flag);
        Path file = Files.writeString(dir.resolve("other.json"), document);
        URI down = URI.create("http://127.0.0.1:" + RouterReplica.freePort());
        try (RouterReplica other = RouterReplica.start(dir.resolve("other"), file, flag)) {
            Cli.Result doctor = run(flag, "doctor", "--router", other.adminUrl() + "," + down, "--tenant", "acme");

            assertThat(doctor.exitCode()).as(doctor.out() + doctor.err()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(doctor.out())
                    .contains("PROBLEM  router " + other.adminUrl() + " routes from a flags file (flags.source: file),"
                            + " not from this Unleash")
                    .contains("PROBLEM  router " + other.adminUrl() + " sends acme to new (reason wave, rule pilot),"
                            + " but the flag sends it to legacy (no rule matches)")
                    .contains("PROBLEM  router " + down + " does not answer on its admin port");
        }
    }

    @Test
    void doctorSaysUnleashRefusedAClientToken() {
        Cli.Result doctor = Cli.run(
                "--unleash",
                unleash.base().toString(),
                "--token",
                RunningUnleash.CLIENT_TOKEN,
                "--flag",
                flag,
                "doctor");

        assertThat(doctor.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(doctor.out())
                .contains("PROBLEM  Unleash at " + unleash.base())
                .contains("403");
    }

    @Test
    void refusesInitOnAFlagsFileAndATenantWithoutARouter() {
        Cli.Result file = Cli.run("--file", dir.resolve("flags.json").toString(), "init");
        Cli.Result tenant = run(flag, "doctor", "--tenant", "acme");

        assertThat(file.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(file.err()).contains("init with --file").contains("(expected: --unleash URL --token TOKEN;");
        assertThat(tenant.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(tenant.err()).contains("--tenant acme without --router (expected:");
    }
}
