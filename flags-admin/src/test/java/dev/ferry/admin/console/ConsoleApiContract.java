package dev.ferry.admin.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.TenantMover;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's REST API over HTTP on loopback, the same tests against a flags file and the real Unleash server: the
 * token, plan then apply exactly that plan, a stale plan, the one-way guard, bad input, tenants by backend, history,
 * 10,000 tenants at once.
 */
abstract class ConsoleApiContract {
    static final String TOKEN = "console-test-token-0123456789";

    protected MigrationStore store;
    protected ConsoleServer server;
    protected ConsoleClient api;
    protected final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** A fresh flag: on, with pilot (globex to new). */
    protected abstract MigrationStore newStore();

    /** The same flag through another store, as another operator would reach it. */
    protected abstract MigrationStore anotherOperatorsStore();

    protected LiveSplit split() {
        return LiveSplit.none();
    }

    /** The shadow flag the console reads and writes (one of its own per test on a server). */
    protected String shadowFlag() {
        return "ferry.shadow";
    }

    @BeforeEach
    void startConsole() throws IOException {
        store = newStore();
        server = ConsoleServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TOKEN,
                new TenantMover(store, Clock.systemUTC(), Progress.none()),
                split(),
                ReadinessGate.withoutRouters(shadowFlag()),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        api = new ConsoleClient(server.uri(), TOKEN);
    }

    @AfterEach
    void stopConsole() {
        server.close();
    }

    /** A move at once (to new: {@code immediate}); {@link #scheduledMove} is the console's default. */
    static ObjectNode move(String to, String... tenants) {
        ObjectNode o = scheduledMove(to, tenants);
        return "new".equals(to) ? o.put("immediate", true) : o;
    }

    static ObjectNode scheduledMove(String to, String... tenants) {
        ObjectNode o =
                ConsoleClient.JSON.createObjectNode().put("change", "move").put("to", to);
        ArrayNode ts = o.putArray("tenants");
        for (String t : tenants) {
            ts.add(t);
        }
        return o.put("by", "jane");
    }

    protected String backendOf(String tenant) {
        return api.get("/api/tenants/" + tenant).json().path("backend").asText();
    }

    // ------------------------------------------------------------------ token

    @Test
    void servesThePageWithoutTheTokenButTheApiOnlyWithIt() {
        ConsoleClient.Response page = api.withToken(null).get("/");
        ConsoleClient.Response none = api.withToken(null).get("/api/status");
        ConsoleClient.Response wrong =
                api.withToken("console-test-token-0123456780").get("/api/status");
        ConsoleClient.Response right = api.get("/api/status");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("<title>Ferry flags-admin console</title>");
        assertThat(page.raw().headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().path("error").asText()).isEqualTo("unauthorized");
        assertThat(none.json().path("detail").asText()).contains("no Authorization header");
        assertThat(none.raw().headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().path("detail").asText()).contains("the console token is wrong");
        assertThat(right.status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ shadow reads and the readiness gate

    @Test
    void shadowsATenantAndRefusesItsMoveUntilForcedWithAReasonTheHistoryKeeps() {
        ConsoleClient.Response on = api.post(
                "/api/shadow",
                ConsoleClient.JSON
                        .createObjectNode()
                        .put("tenants", "acme")
                        .put("shadowed", true)
                        .put("by", "jane"));
        assertThat(on.status()).as(on.text()).isEqualTo(200);
        assertThat(on.json().path("shadowed").get(0).asText()).isEqualTo("acme");
        JsonNode shadow = api.get("/api/shadow").json();
        assertThat(shadow.path("shadowFlag").asText()).isEqualTo(shadowFlag());
        assertThat(shadow.path("tenants").get(0).path("tenant").asText()).isEqualTo("acme");
        assertThat(shadow.path("tenants").get(0).path("known").asBoolean()).isFalse();
        assertThat(shadow.path("note").asText()).contains("--router");

        JsonNode plan = api.post("/api/plan", move("new", "acme")).json();
        assertThat(plan.path("readiness").path("refused").asBoolean()).isTrue();
        assertThat(plan.path("readiness").path("blocked").get(0).path("tenant").asText())
                .isEqualTo("acme");
        ConsoleClient.Response refused = api.post(
                "/api/apply",
                move("new", "acme").put("revision", plan.path("revision").asText()));

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).isEqualTo("refused by the readiness gate");
        assertThat(refused.json().path("detail").asText())
                .contains("acme: readiness unknown: no router replica was asked")
                .contains("Nothing was written");
        assertThat(refused.json().path("plan").path("readiness").path("refused").asBoolean())
                .isTrue();
        assertThat(backendOf("acme")).isEqualTo("legacy");
        assertThat(api.post(
                                "/api/apply",
                                move("new", "acme")
                                        .put("forceUnready", true)
                                        .put("revision", plan.path("revision").asText()))
                        .status())
                .as("forced without a reason")
                .isEqualTo(400);

        ConsoleClient.Response forced = api.post(
                "/api/apply",
                move("new", "acme")
                        .put("forceUnready", true)
                        .put("reason", "pilot deadline")
                        .put("revision", plan.path("revision").asText()));

        assertThat(forced.status()).as(forced.text()).isEqualTo(200);
        assertThat(forced.json().path("readiness").path("forced").asBoolean()).isTrue();
        assertThat(backendOf("acme")).isEqualTo("new");
        JsonNode entry =
                api.get("/api/history?tenant=acme").json().path("entries").get(0);
        assertThat(entry.path("reason").asText()).isEqualTo("pilot deadline [forced past readiness: acme (unknown)]");
    }

    @Test
    void refusesAShadowChangeThatSaysNeitherOnNorOffOrNamesABadTenant() {
        ConsoleClient.Response neither = api.post(
                "/api/shadow",
                ConsoleClient.JSON.createObjectNode().put("tenants", "acme").put("by", "jane"));
        ConsoleClient.Response bad = api.post(
                "/api/shadow",
                ConsoleClient.JSON
                        .createObjectNode()
                        .put("tenants", "no/such")
                        .put("shadowed", true)
                        .put("by", "jane"));

        assertThat(neither.status()).isEqualTo(400);
        assertThat(neither.json().path("detail").asText()).contains("field 'shadowed' is null (expected: true");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("detail").asText()).contains("'no/such'").contains("expected: 1-64 characters");
    }

    // ------------------------------------------------------------------ plan, then apply exactly that plan

    @Test
    void schedulesAMoveAtTheFleetSafeTimeByDefault() {
        Instant before = Instant.now();
        ConsoleClient.Response plan = api.post("/api/plan", scheduledMove("new", "acme"));
        ConsoleClient.Response applied = api.post(
                "/api/apply",
                scheduledMove("new", "acme")
                        .put("revision", plan.json().path("revision").asText()));

        assertThat(plan.json().path("moves")).isEmpty();
        assertThat(plan.json().path("scheduled").findValuesAsText("tenant")).containsExactly("acme");
        assertThat(plan.json().path("lead").asText()).isEqualTo("lease 3s + 3 x clock skew 250ms + propagation 1500ms");
        assertThat(applied.status()).isEqualTo(200);
        Instant at = Instant.parse(applied.json().path("switchesAt").asText());
        assertThat(at)
                .isAfterOrEqualTo(before.plusMillis(5250))
                .isBefore(Instant.now().plusSeconds(7));
        assertThat(backendOf("acme")).as("until the fleet switches").isEqualTo("legacy");
    }

    @Test
    void appliesExactlyThePlanShownAndRecordsTheOperatorAsBy() {
        ConsoleClient.Response plan = api.post("/api/plan", move("new", "acme", "initech"));

        assertThat(plan.status()).isEqualTo(200);
        JsonNode p = plan.json();
        assertThat(p.path("dryRun").asBoolean()).isTrue();
        assertThat(p.path("refused").asBoolean()).isFalse();
        assertThat(p.path("revision").asText())
                .isEqualTo(store.read().migration().revision());
        assertThat(p.path("moves").findValuesAsText("tenant")).containsExactly("acme", "initech");
        assertThat(p.path("moves").get(0).path("from").asText()).isEqualTo("legacy");
        assertThat(p.path("moves").get(0).path("to").asText()).isEqualTo("new");
        assertThat(backendOf("acme")).isEqualTo("legacy");

        ConsoleClient.Response applied = api.post(
                "/api/apply",
                move("new", "acme", "initech")
                        .put("reason", "first pilot")
                        .put("revision", p.path("revision").asText()));

        assertThat(applied.status()).isEqualTo(200);
        assertThat(applied.json().path("written").asBoolean()).isTrue();
        assertThat(applied.json().path("revisionAfter").asText()).isNotBlank();
        assertThat(applied.json().path("moves").findValuesAsText("tenant")).containsExactly("acme", "initech");
        JsonNode shown = api.get("/api/tenants/acme").json();
        assertThat(shown.path("backend").asText()).isEqualTo("new");
        assertThat(shown.path("rule").asText()).isEqualTo("pilot");
        assertThat(shown.path("since").path("by").asText()).startsWith("jane");
        JsonNode history = api.get("/api/history?tenant=acme").json();
        assertThat(history.path("total").asInt()).isEqualTo(1);
        JsonNode entry = history.path("entries").get(0);
        assertThat(entry.path("by").asText()).startsWith("jane");
        assertThat(entry.path("reason").asText()).isEqualTo("first pilot");
        assertThat(entry.path("moves").findValuesAsText("tenant")).contains("acme", "initech");
        assertThat(api.get("/api/history?tenant=hooli").json().path("total").asInt())
                .isZero();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("jane applied 'move acme, initech --to new");
    }

    @Test
    void refusesAStalePlanWith409AndTheChangePlannedOnTheNewRevision() {
        JsonNode seen = api.post("/api/plan", move("new", "acme")).json();
        new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none())
                .apply(new Change.Pin(Set.of("acme")), new Operator("john", null, false));
        String between = store.read().digest();

        ConsoleClient.Response stale = api.post(
                "/api/apply",
                move("new", "acme").put("revision", seen.path("revision").asText()));

        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().path("error").asText()).isEqualTo("stale plan");
        assertThat(stale.json().path("detail").asText())
                .contains("changed since the plan was made")
                .contains("nothing was written");
        assertThat(stale.json().path("expectedRevision").asText())
                .isEqualTo(seen.path("revision").asText());
        String now = stale.json().path("revision").asText();
        assertThat(now)
                .isNotEqualTo(seen.path("revision").asText())
                .isEqualTo(store.read().migration().revision());
        // the new plan: acme is pinned now, so moving it to pilot moves nobody (the pin comes first)
        assertThat(stale.json().path("plan").path("revision").asText()).isEqualTo(now);
        assertThat(stale.json().path("plan").path("by").asText()).isEqualTo("jane");
        assertThat(stale.json().path("plan").path("moves")).isEmpty();
        assertThat(store.read().digest()).isEqualTo(between);
        assertThat(backendOf("acme")).isEqualTo("legacy");

        ConsoleClient.Response again =
                api.post("/api/apply", move("new", "initech").put("revision", now));
        assertThat(again.status()).isEqualTo(200);
        assertThat(backendOf("initech")).isEqualTo("new");
    }

    // ------------------------------------------------------------------ the one-way guard

    @Test
    void refusesAMoveBackWith422ExplainingTheGuardAndWritesNothingWithoutBreakGlass() {
        new TenantMover(store, Clock.systemUTC(), Progress.none())
                .apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), new Operator("john", null, false));
        String revision = store.read().migration().revision();
        ObjectNode remove = ConsoleClient.JSON
                .createObjectNode()
                .put("change", "remove")
                .put("tenants", "globex")
                .put("rule", "pilot")
                .put("by", "jane");

        JsonNode plan = api.post("/api/plan", remove).json();
        ConsoleClient.Response refused =
                api.post("/api/apply", remove.deepCopy().put("revision", revision));

        assertThat(plan.path("refused").asBoolean()).isTrue();
        assertThat(plan.path("refusals").get(0).path("kind").asText()).isEqualTo("LIST_REMOVAL");
        assertThat(plan.path("why").asText()).contains("Data is replicated one way only");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).isEqualTo("refused by the one-way guard");
        assertThat(refused.json().path("detail").asText())
                .contains("removing globex from the list that routes it to new would send it back to legacy")
                .contains("Nothing was written")
                .contains("\"breakGlass\": true");
        assertThat(refused.json().path("plan").path("refused").asBoolean()).isTrue();
        assertThat(store.read().migration().revision()).isEqualTo(revision);
        assertThat(backendOf("globex")).isEqualTo("new");

        ObjectNode back = move("legacy", "globex").put("breakGlass", true);
        ConsoleClient.Response noReason = api.post("/api/plan", back);
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.json().path("detail").asText()).contains("--break-glass without --reason");

        back.put("reason", "data repair OPS-1234");
        JsonNode glass = api.post("/api/plan", back).json();
        assertThat(glass.path("breakGlass").asBoolean()).isTrue();
        assertThat(glass.path("refused").asBoolean()).isFalse();
        ConsoleClient.Response written = api.post(
                "/api/apply",
                back.deepCopy().put("revision", glass.path("revision").asText()));
        assertThat(written.status()).isEqualTo(200);
        JsonNode shown = api.get("/api/tenants/globex").json();
        assertThat(shown.path("backend").asText()).isEqualTo("legacy");
        assertThat(shown.path("rule").asText()).isEqualTo("moved-back");
        assertThat(shown.path("deliberate").asBoolean()).isTrue();
    }

    // ------------------------------------------------------------------ reading

    @Test
    void listsTenantsByBackendSearchesThemAndShowsWaveProgress() {
        TenantMover mover = new TenantMover(store, Clock.systemUTC(), Progress.none());
        Operator jane = new Operator("jane", null, false);
        mover.apply(new Change.MoveToNew(Set.of("acme", "acorn"), "pilot", null), jane);
        mover.apply(new Change.Pin(Set.of("acmeish")), jane);
        mover.apply(new Change.Wave("wave-1", 10, null, null, Set.of()), jane);

        JsonNode status = api.get("/api/status").json();
        JsonNode onNew = api.get("/api/tenants?backend=new").json();
        JsonNode search = api.get("/api/tenants?q=ACM").json();
        JsonNode unlisted = api.get("/api/tenants?q=hooli").json();

        assertThat(status.path("counts").path("new").asInt()).isEqualTo(3);
        assertThat(status.path("counts").path("legacy").asInt()).isEqualTo(1);
        assertThat(status.path("waves").get(0).path("name").asText()).isEqualTo("wave-1");
        assertThat(status.path("waves").get(0).path("percent").asInt()).isEqualTo(10);
        assertThat(status.path("rules").findValuesAsText("name")).containsExactly("pinned", "pilot", "wave-1");
        assertThat(status.path("rules").get(1).path("tenantCount").asInt()).isEqualTo(3);
        assertThat(status.path("rules").get(1).has("tenants")).isFalse();
        assertThat(onNew.path("tenants").findValuesAsText("tenant"))
                .containsExactlyInAnyOrder("globex", "acme", "acorn");
        assertThat(search.path("tenants").findValuesAsText("tenant")).containsExactlyInAnyOrder("acme", "acmeish");
        assertThat(search.path("tenants").findValuesAsText("backend")).containsExactlyInAnyOrder("new", "legacy");
        assertThat(unlisted.path("tenants").get(0).path("listed").asBoolean()).isFalse();
        assertThat(unlisted.path("tenants").get(0).path("why").asText()).isNotBlank();
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void answersBadInputWith400NamingWhatWasWrongAndWhatWasExpected() {
        record Case(String path, String body, int status, String detail) {}
        List<Case> cases = new ArrayList<>(List.of(
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"ACME!\"],\"to\":\"new\",\"by\":\"j\"}",
                        400,
                        "'ACME!'"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"sideways\",\"by\":\"j\"}",
                        400,
                        "backend 'sideways' (expected: legacy or new)"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenant\":[\"acme\"],\"to\":\"new\",\"by\":\"j\"}",
                        400,
                        "unknown field tenant for change 'move' (expected: "),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"new\"}",
                        400,
                        "field 'by' is missing"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"teleport\",\"by\":\"j\"}",
                        400,
                        "'teleport' (expected: move, wave, pin or remove)"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"wave\",\"name\":\"wave-1\",\"percent\":150,\"by\":\"j\"}",
                        400,
                        "--percent 150 (expected: 0 to 100)"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"remove\",\"tenants\":\"acme\",\"rule\":\"nope\",\"by\":\"j\"}",
                        400,
                        "rule nope does not exist"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"new\",\"startsAt\":"
                                + "\"tomorrow\",\"by\":\"j\"}",
                        400,
                        "'tomorrow' is not a time"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"new\",\"rule\":\" \",\"by\":\"j\"}",
                        400,
                        "'rule' is blank (expected: a rule name such as pilot, or none for pilot)"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"legacy\",\"rule\":\"pilot\","
                                + "\"by\":\"j\"}",
                        400,
                        "to legacy with 'rule' or 'startsAt' (expected: neither"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"wave\",\"name\":\"wave-1\",\"percent\":4294967306,\"by\":\"j\"}",
                        400,
                        "field 'percent' is 4294967306 (expected: a whole number, 0 to 100)"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"new\",\"to\":\"legacy\",\"by\":\"j\"}",
                        400,
                        "Duplicate field 'to'"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"pin\",\"tenants\":[\"acme\"],\"by\":\"j\"} {}",
                        400,
                        "the body is not JSON"),
                new Case(
                        "/api/plan",
                        "{\"change\":\"pin\",\"tenants\":[\"acme\"],\"by\":\"j\",\"reason\":\"two\\nlines\"}",
                        400,
                        "(expected: one line of at most 1000 characters"),
                new Case("/api/plan", "{not json", 400, "the body is not JSON"),
                new Case("/api/plan", "[1]", 400, "the body is not a JSON object"),
                new Case(
                        "/api/apply",
                        "{\"change\":\"move\",\"tenants\":[\"acme\"],\"to\":\"new\",\"by\":\"j\"}",
                        400,
                        "field 'revision' is missing"),
                new Case("/api/nothing", "{}", 404, "no API at POST /api/nothing"),
                new Case("/api/status", "{}", 405, "POST /api/status (expected: GET /api/status)")));

        for (Case c : cases) {
            ConsoleClient.Response r = api.post(c.path(), c.body());
            assertThat(r.status()).as(c.body()).isEqualTo(c.status());
            assertThat(r.json().path("detail").asText()).as(c.body()).contains(c.detail());
            assertThat(r.json().path("error").asText()).as(c.body()).isNotBlank();
        }
        assertThat(api.get("/api/tenants/NOT%20AN%20ID").json().path("detail").asText())
                .contains("(expected: 1-64 characters");
        assertThat(api.get("/api/tenants?backend=both").json().path("detail").asText())
                .contains("backend 'both' (expected: legacy or new)");
        assertThat(api.get("/api/history?last=zero").json().path("detail").asText())
                .contains("last=zero (expected: a whole number from 1 up)");
        assertThat(api.get("/api/status?tenant=acme").json().path("detail").asText())
                .contains("unknown query parameter 'tenant'");
    }

    // ------------------------------------------------------------------ 10,000 tenants

    @Test
    void movesTenThousandTenantsThroughThePlanAndApply() {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            ids.append("tenant-").append(i).append(i % 10 == 9 ? "\n" : " ");
        }
        ObjectNode request = ConsoleClient.JSON
                .createObjectNode()
                .put("change", "move")
                .put("to", "new")
                .put("tenants", ids.toString())
                .put("immediate", true)
                .put("by", "jane");

        JsonNode plan = api.post("/api/plan", request).json();
        ConsoleClient.Response applied = api.post(
                "/api/apply",
                request.deepCopy().put("revision", plan.path("revision").asText()));

        assertThat(plan.path("moves")).hasSize(10_000);
        assertThat(applied.status()).isEqualTo(200);
        assertThat(applied.json().path("moves")).hasSize(10_000);
        JsonNode onNew = api.get("/api/tenants?backend=new&limit=5&q=tenant-99").json();
        assertThat(onNew.path("matched").asInt()).isEqualTo(111); // tenant-99, -990..-999, -9900..-9999
        assertThat(onNew.path("tenants")).hasSize(5);
        assertThat(onNew.path("truncated").asBoolean()).isTrue();
        assertThat(api.get("/api/status").json().path("counts").path("new").asInt())
                .isEqualTo(10_001);
    }
}
