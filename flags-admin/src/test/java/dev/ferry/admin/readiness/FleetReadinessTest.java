package dev.ferry.admin.readiness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.fleet.AdminPort;
import dev.ferry.router.shadow.GateResult;
import dev.ferry.router.shadow.ReadinessBar;
import dev.ferry.router.shadow.ShadowJson;
import dev.ferry.router.shadow.TenantWindow;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fleet's readiness from replicas' answers in the router's own JSON ({@code ShadowJson}). */
class FleetReadinessTest {
    static final URI ONE = URI.create("http://10.0.0.1:9901");
    static final URI TWO = URI.create("http://10.0.0.2:9901");
    static final ReadinessBar BAR = new ReadinessBar(0.9, 40, 5, 0.2, Duration.ofMillis(5), 0.005);

    /** The list a replica serves at /shadow/tenants. */
    static AdminPort.Reply list(URI router, ReadinessBar bar, String tenant, boolean shadowed, TenantWindow window) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("flag", "ferry.shadow");
        body.set("bar", ShadowJson.bar(bar));
        ObjectNode t =
                body.putArray("tenants").addObject().put("tenant", tenant).put("shadowed", shadowed);
        t.set("bar", ShadowJson.bar(bar));
        t.set("window", ShadowJson.window(window));
        return new AdminPort.Reply(router.resolve(ReplicaShadow.PATH), 200, body, null);
    }

    static AdminPort.Reply one(URI router, ReadinessBar bar, boolean shadowed, TenantWindow window) {
        JsonNode t = list(router, bar, "acme", shadowed, window)
                .json()
                .path("tenants")
                .get(0);
        return new AdminPort.Reply(router.resolve(ReplicaShadow.PATH + "/acme"), 200, t, null);
    }

    @Test
    void mergesTheWindowsOfEveryReplicaBeforeJudgingThem() {
        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(30, 0))),
                        ReplicaShadow.ofTenant(TWO, "acme", one(TWO, BAR, true, Windows.of(30, 0)))));

        assertThat(r.known()).isTrue();
        assertThat(r.report().compared()).isEqualTo(60);
        assertThat(r.report().matched()).isEqualTo(60);
        assertThat(r.ready()).as(r.failures().toString()).isTrue();
        assertThat(r.notShadowing()).isEmpty();
    }

    @Test
    void namesEveryFailedGateWithItsReasonWhenBelowTheBar() {
        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(10, 2))),
                        ReplicaShadow.ofList(TWO, list(TWO, BAR, "acme", false, TenantWindow.empty()))));

        assertThat(r.ready()).isFalse();
        assertThat(r.report().compared()).isEqualTo(12);
        assertThat(r.failedGates()).contains("match_lower_bound", "min_compared");
        assertThat(r.failures())
                .anySatisfy(f -> assertThat(f).startsWith("min_compared: 12 compared requests (expected: >= 40)"));
        assertThat(r.report().gate(GateResult.Gate.MATCH_LOWER_BOUND).passed()).isFalse();
        assertThat(r.report().topFields().values())
                .anySatisfy(fields -> assertThat(fields.get(0).count()).isEqualTo(2));
        assertThat(r.notShadowing()).containsExactly(TWO);
    }

    @Test
    void isUnknownNamingTheReplicaWhenOneDoesNotAnswer() {
        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(100, 0))),
                        ReplicaShadow.ofList(
                                TWO,
                                new AdminPort.Reply(
                                        TWO.resolve(ReplicaShadow.PATH),
                                        0,
                                        null,
                                        "cannot reach " + TWO + ": refused"))));

        assertThat(r.known()).isFalse();
        assertThat(r.ready()).isFalse();
        assertThat(r.failedGates()).containsExactly("unknown");
        assertThat(r.failures().get(0)).contains("1 of 2 replica(s)", "cannot reach http://10.0.0.2:9901");
    }

    @Test
    void isUnknownWhenTheReplicasJudgeByDifferentBars() {
        ReadinessBar other = new ReadinessBar(0.99, 200, 5, 0.2, Duration.ofMillis(5), 0.005);
        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(100, 0))),
                        ReplicaShadow.ofList(TWO, list(TWO, other, "acme", true, Windows.of(100, 0)))));

        assertThat(r.known()).isFalse();
        assertThat(r.unknownBecause())
                .contains("different bars", "\"minCompared\":40", "\"minCompared\":200", "shadow.readiness.*");
    }

    @Test
    void isUnknownWhenOneReplicaIsAskedTwiceUnderTwoNames() {
        AdminPort.Reply a = list(ONE, BAR, "acme", true, Windows.of(200, 0));
        AdminPort.Reply b = list(TWO, BAR, "acme", true, Windows.of(200, 0));
        ((ObjectNode) a.json()).put("instance", "3f2a");
        ((ObjectNode) b.json()).put("instance", "3f2a");

        TenantReadiness r =
                FleetReadiness.of("acme", List.of(ReplicaShadow.ofList(ONE, a), ReplicaShadow.ofList(TWO, b)));

        assertThat(r.known()).isFalse(); // 200 of 200 counted twice would pass the bar
        assertThat(r.unknownBecause()).contains("the same replica answered twice, at " + ONE + " and " + TWO);
    }

    @Test
    void isUnknownWhenAReplicaHasShadowReadsOff() {
        AdminPort.Reply off = list(TWO, BAR, "acme", false, TenantWindow.empty());
        ((ObjectNode) off.json()).put("enabled", false);

        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(100, 0))),
                        ReplicaShadow.ofList(TWO, off)));

        assertThat(r.ready()).isFalse();
        assertThat(r.unknownBecause()).contains(TWO + " has shadow reads off");
    }

    @Test
    void isNotReadyWhileAReplicaDoesNotShadowTheTenantThoughItsShareAlonePasses() {
        TenantReadiness r = FleetReadiness.of(
                "acme",
                List.of(
                        ReplicaShadow.ofList(ONE, list(ONE, BAR, "acme", true, Windows.of(100, 0))),
                        ReplicaShadow.ofList(TWO, list(TWO, BAR, "acme", false, TenantWindow.empty()))));

        assertThat(r.report().ready()).isTrue();
        assertThat(r.ready()).isFalse();
        assertThat(r.failedGates()).containsExactly(TenantReadiness.NOT_SHADOWED_EVERYWHERE);
    }

    @Test
    void isUnknownWhenARouterDoesNotServeShadowReads() {
        ReplicaShadow old =
                ReplicaShadow.ofList(ONE, new AdminPort.Reply(ONE.resolve(ReplicaShadow.PATH), 404, null, null));

        assertThat(old.usable()).isFalse();
        assertThat(old.problem()).contains("answered 404", "a router that serves shadow reads");
    }

    @Test
    void warnsOfAReplicaReadingAnotherShadowFlagOrWithShadowReadsOff() {
        AdminPort.Reply other = list(ONE, BAR, "acme", true, Windows.of(1, 0));
        ((ObjectNode) other.json()).put("flag", "team.shadow");
        AdminPort.Reply off = list(TWO, BAR, "acme", false, TenantWindow.empty());
        ((ObjectNode) off.json()).put("enabled", false);

        ShadowReader.Fleet fleet =
                new ShadowReader.Fleet(List.of(ReplicaShadow.ofList(ONE, other), ReplicaShadow.ofList(TWO, off)));

        assertThat(fleet.warnings("ferry.shadow"))
                .containsExactly(
                        ONE + " reads shadow flag 'team.shadow', not ferry.shadow (--shadow-flag): it shadows another"
                                + " list",
                        TWO + " has shadow reads off (shadow.enabled: false): the requests it serves are not compared,"
                                + " and readiness rests on the other replicas' share");
        assertThat(fleet.tenants()).containsExactly("acme");
    }

    @Test
    void isUnknownWhenNoReplicaIsGiven() {
        TenantReadiness r = FleetReadiness.of("acme", List.of());

        assertThat(r.failures())
                .containsExactly("readiness unknown: no router replica was asked (expected: --router"
                        + " URL for every replica, or FLAGS_ADMIN_ROUTERS)");
    }
}
