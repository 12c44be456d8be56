package dev.ferry.admin.readiness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gate on what was read: who is stopped and why, who moves without evidence, and what a forced move records. */
class ReadinessGateTest {
    static final String FLAG = "ferry.shadow";

    static TenantReadiness judged(String tenant, long matched, long different) {
        return FleetReadiness.of(
                tenant,
                List.of(ReplicaShadow.ofList(
                        FleetReadinessTest.ONE,
                        FleetReadinessTest.list(
                                FleetReadinessTest.ONE,
                                FleetReadinessTest.BAR,
                                tenant,
                                true,
                                Windows.of(matched, different)))));
    }

    static Set<String> ids(String... ids) {
        return new LinkedHashSet<>(List.of(ids));
    }

    @Test
    void refusesAShadowedTenantBelowTheBarWithEveryFailedGate() {
        ReadinessGate.Verdict v = ReadinessGate.check(
                ids("acme", "initech"),
                ids("acme", "initech"),
                Map.of("acme", judged("acme", 10, 2), "initech", judged("initech", 100, 0)),
                false,
                false,
                FLAG);

        assertThat(v.refused()).isTrue();
        assertThat(v.blocked()).extracting(ReadinessGate.Blocked::tenant).containsExactly("acme");
        assertThat(v.blocked().get(0).gates()).contains("match_lower_bound", "min_compared");
        assertThat(v.readiness()).extracting(TenantReadiness::tenant).containsExactly("acme", "initech");
    }

    @Test
    void letsReadyTenantsThroughAndNotesThoseWithoutEvidence() {
        ReadinessGate.Verdict v = ReadinessGate.check(
                ids("acme", "globex"), ids("acme"), Map.of("acme", judged("acme", 100, 0)), false, false, FLAG);

        assertThat(v.refused()).isFalse();
        assertThat(v.blocked()).isEmpty();
        assertThat(v.notes())
                .singleElement()
                .asString()
                .startsWith("no shadow evidence for globex: not in shadow flag" + " ferry.shadow");
    }

    @Test
    void refusesATenantWithoutEvidenceWhenReadinessIsRequired() {
        ReadinessGate.Verdict v = ReadinessGate.check(ids("globex"), ids(), Map.of(), true, false, FLAG);

        assertThat(v.refused()).isTrue();
        assertThat(v.blocked().get(0).gates()).containsExactly("not_shadowed");
        assertThat(v.notes()).isEmpty();
    }

    @Test
    void refusesAShadowedTenantWhoseReadinessWasNotRead() {
        ReadinessGate.Verdict v = ReadinessGate.check(ids("acme"), ids("acme"), Map.of(), false, false, FLAG);

        assertThat(v.refused()).isTrue();
        assertThat(v.blocked().get(0).reasons().get(0)).startsWith("readiness unknown: no router replica was asked");
    }

    @Test
    void recordsWhatAForcedMoveWentPastWithTheReason() {
        ReadinessGate.Verdict v = ReadinessGate.check(
                ids("acme", "initech"),
                ids("acme", "initech"),
                Map.of("acme", judged("acme", 10, 2)),
                false,
                true,
                FLAG);

        assertThat(v.refused()).isFalse();
        assertThat(v.overridden()).isTrue();
        assertThat(v.reason("new fixed the totals"))
                .startsWith("new fixed the totals [forced past readiness: acme (match_lower_bound, min_compared")
                .contains("; initech (unknown)]");
    }

    @Test
    void keepsTheReasonAsItIsWhenNothingWasForced() {
        ReadinessGate.Verdict v = ReadinessGate.check(
                ids("acme"), ids("acme"), Map.of("acme", judged("acme", 100, 0)), false, true, FLAG);

        assertThat(v.overridden()).isFalse();
        assertThat(v.reason("routine")).isEqualTo("routine");
    }
}
