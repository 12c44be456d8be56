package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import io.getunleash.engine.Context;
import io.getunleash.engine.UnleashEngine;
import io.getunleash.engine.VariantDef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * flags-admin says where a tenant goes without asking Unleash; these tests hold its evaluation to the Unleash engine
 * the router uses (yggdrasil, through the SDK), tenant by tenant.
 */
class MigrationTest {
    private static final String FLAG = "route-tenant-to-new";

    @TempDir
    Path dir;

    static Stream<Arguments> documents() throws Exception {
        String workedExample = workedExample();
        String waves =
                """
                {"version": 2, "features": [{"name": "route-tenant-to-new", "enabled": true, "strategies": [
                  %s, %s, %s, %s]}]}"""
                        .formatted(
                                list("pinned", "legacy", "tenant-00007", "tenant-00100"),
                                wave("wave-1", 33, "wave-1", null),
                                wave("wave-2", 50, "another-group", "2026-06-01T00:00:00.000Z"),
                                wave("wave-3", 77, "wave-3", null));
        return Stream.of(
                Arguments.of("the worked example, before its wave starts", workedExample, "2026-11-30T12:00:00Z"),
                Arguments.of("the worked example, after its wave starts", workedExample, "2026-12-01T02:00:00.001Z"),
                Arguments.of("three waves and a pin, before the scheduled one", waves, "2026-05-31T23:59:59Z"),
                Arguments.of("three waves and a pin, after the scheduled one", waves, "2026-06-01T00:00:01Z"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void placesEveryTenantWhereTheUnleashEngineSendsIt(String what, String document, String time) throws Exception {
        Instant now = Instant.parse(time);
        Migration migration = read(document);
        UnleashEngine engine = new UnleashEngine();
        engine.takeState(document);

        List<String> disagreements = new ArrayList<>();
        List<String> tenants = new ArrayList<>(List.of("acme", "globex", "initech", "umbrella", "hooli"));
        for (int i = 0; i < 2_000; i++) {
            tenants.add(String.format("tenant-%05d", i));
        }
        for (String tenant : tenants) {
            Placement ours = migration.place(tenant, now);
            String theirs = engineSays(engine, tenant, now);
            String mine = ours.backend().tag() + ":" + ours.ruleName();
            if (!mine.equals(theirs)) {
                disagreements.add(tenant + " flags-admin " + mine + ", engine " + theirs);
            }
        }

        assertThat(disagreements).isEmpty();
    }

    @Test
    void sendsEveryTenantToNewWhenTheFlagIsOnWithoutRules() throws Exception {
        Migration migration = read("{\"version\": 2, \"features\": [{\"name\": \"" + FLAG
                + "\", \"enabled\": true, \"strategies\": []}]}");

        assertThat(migration.place("acme", Instant.now()).backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void keepsEveryTenantOnLegacyWhenTheFlagIsOff() throws Exception {
        Migration migration = read("{\"version\": 2, \"features\": [{\"name\": \"" + FLAG
                + "\", \"enabled\": false, \"strategies\": [" + wave("all", 100, "all", null) + "]}]}");

        Placement placement = migration.place("acme", Instant.now());

        assertThat(placement.backend()).isEqualTo(Backend.LEGACY);
        assertThat(placement.why()).isEqualTo("the flag is off");
    }

    /** "legacy:pinned", "new:wave-1", "legacy:null" (no rule), as the router reads a variant. */
    private static String engineSays(UnleashEngine engine, String tenant, Instant now) throws Exception {
        Context context = new Context();
        context.setProperties(Map.of("tenantId", tenant));
        context.setCurrentTime(now.toString());
        VariantDef variant = engine.getVariant(FLAG, context).value;
        if (variant == null || !Boolean.TRUE.equals(variant.isFeatureEnabled())) {
            return "legacy:null";
        }
        if (variant.getPayload() == null || !Boolean.TRUE.equals(variant.isEnabled())) {
            return "new:null";
        }
        String payload = variant.getPayload().getValue();
        String backend = payload.contains("\"legacy\"") ? "legacy" : "new";
        return backend + ":" + variant.getName();
    }

    private Migration read(String document) throws Exception {
        Path file = Files.writeString(dir.resolve("flags-" + System.nanoTime() + ".json"), document);
        return new FlagsFileStore(file, FLAG).read().migration();
    }

    /** The worked example of docs/flag-model.md, as the document shows it. */
    static String workedExample() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "flag-model.md"), StandardCharsets.UTF_8);
        Matcher json = Pattern.compile("```json\\n(\\{\\n  \"version\": 2.*?)```", Pattern.DOTALL)
                .matcher(doc);
        assertThat(json.find()).as("the worked example in docs/flag-model.md").isTrue();
        return json.group(1);
    }

    static String list(String rule, String backend, String... tenants) {
        return """
                {"name": "flexibleRollout",
                 "constraints": [{"contextName": "tenantId", "operator": "IN", "values": ["%s"]}],
                 "parameters": {"rollout": "100", "stickiness": "tenantId", "groupId": "%s"},
                 "variants": [{"name": "%s", "weight": 1000, "weightType": "fix", "stickiness": "tenantId",
                   "payload": {"type": "json", "value": "{\\"backend\\":\\"%s\\",\\"rule\\":\\"%s\\"}"}}]}"""
                .formatted(String.join("\", \"", tenants), rule, rule, backend, rule);
    }

    static String wave(String rule, int percent, String groupId, String from) {
        String constraints = from == null
                ? "[]"
                : "[{\"contextName\": \"currentTime\", \"operator\": \"DATE_AFTER\", \"value\": \"" + from + "\"}]";
        return """
                {"name": "flexibleRollout", "constraints": %s,
                 "parameters": {"rollout": "%d", "stickiness": "tenantId", "groupId": "%s"},
                 "variants": [{"name": "%s", "weight": 1000, "weightType": "fix", "stickiness": "tenantId",
                   "payload": {"type": "json", "value": "{\\"backend\\":\\"new\\",\\"rule\\":\\"%s\\"}"}}]}"""
                .formatted(constraints, percent, groupId, rule, rule);
    }
}
