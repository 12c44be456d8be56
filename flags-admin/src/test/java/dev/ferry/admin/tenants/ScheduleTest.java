package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When a move takes effect, as every front end decides it, and what it writes for rules that exist. */
class ScheduleTest {
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00.400Z");
    private static final Schedule.Fields FIELDS = new Schedule.Fields("--starts-at", "--immediate");
    private static final Change.MoveFields MOVE = new Change.MoveFields("--rule", FIELDS);

    @Test
    void movesAtTheFleetSafeTimeByDefaultRoundedUpToASecond() {
        Schedule schedule = Schedule.fleetSafe(NOW);

        assertThat(Lead.DEFAULT.total()).isEqualTo(Duration.ofMillis(5250));
        assertThat(schedule.start(FIELDS)).isEqualTo(Instant.parse("2026-12-06T10:00:06Z"));
        assertThat(Change.move(Set.of("acme"), Backend.NEW, null, schedule, MOVE)
                        .at())
                .isEqualTo(Instant.parse("2026-12-06T10:00:06Z"));
    }

    @Test
    void movesAtOnceOnlyWhenAskedAndRefusesAStartTogetherWithIt() {
        assertThat(new Schedule(null, true, Lead.DEFAULT, NOW).start(FIELDS)).isNull();
        assertThatThrownBy(() -> new Schedule(NOW.plusSeconds(60), true, Lead.DEFAULT, NOW).start(FIELDS))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--starts-at with --immediate (expected: one of them: a start, or at once)");
    }

    @Test
    void refusesAStartSoonerThanTheFleetCanSwitchAt() {
        Schedule tooSoon = new Schedule(NOW.plusSeconds(2), false, Lead.DEFAULT, NOW);

        assertThatThrownBy(() -> tooSoon.start(FIELDS))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--starts-at 2026-12-06T10:00:02.400Z is sooner than the fleet can switch at one instant"
                        + " (expected: 2026-12-06T10:00:06.000Z or later, lease 3s + 3 x clock skew 250ms +"
                        + " propagation 1500ms; or --immediate)");
        assertThat(new Schedule(NOW.plusSeconds(60), false, Lead.DEFAULT, NOW).start(FIELDS))
                .isEqualTo(NOW.plusSeconds(60));
    }

    @Test
    void readsTheLeadFromTheFleetsBounds() {
        Lead lead = new Lead(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofMillis(1500));

        assertThat(lead.total()).isEqualTo(Duration.ofSeconds(8));
        assertThat(lead.describe()).isEqualTo("lease 5s + 3 x clock skew 500ms + propagation 1500ms");
    }

    @Test
    void givesTenantsMovedIntoARuleInForceARuleOfTheirOwnThatStartsAtTheirTime() {
        Instant at = Instant.parse("2026-12-06T10:00:06Z");
        Migration m = new Migration(
                "route-tenant-to-new",
                true,
                List.of(Rule.list("pilot", Backend.NEW, false, Set.of("acme"), null)),
                "r1");

        Migration once = Change.move(Set.of("globex"), Backend.NEW, null, Schedule.fleetSafe(NOW), MOVE)
                .apply(m, NOW);
        Migration twice = Change.move(Set.of("initech"), Backend.NEW, null, Schedule.fleetSafe(NOW), MOVE)
                .apply(once, NOW);

        assertThat(twice.rules()).extracting(Rule::name).containsExactly("pilot", "pilot-20261206-100006");
        Rule dated = twice.rule("pilot-20261206-100006").orElseThrow();
        assertThat(dated.startsAt()).isEqualTo(at);
        assertThat(dated.tenants()).containsExactlyInAnyOrder("globex", "initech");
        assertThat(twice.place("acme", NOW).backend())
                .as("already moved: stays")
                .isEqualTo(Backend.NEW);
        assertThat(twice.place("globex", at).backend()).as("not before T").isEqualTo(Backend.LEGACY);
        assertThat(twice.place("globex", at.plusMillis(1)).backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void foldsAScheduledMovesOwnRuleIntoItsBaseOnceItsTimeIsAnHourPast() {
        Instant twoHoursAgo = Instant.parse("2026-12-06T08:00:00Z");
        Instant tenMinutesAgo = Instant.parse("2026-12-06T09:50:00Z");
        Migration m = new Migration(
                "route-tenant-to-new",
                true,
                List.of(
                        Rule.list("pinned", Backend.LEGACY, false, Set.of("umbrella"), null),
                        Rule.list("pilot", Backend.NEW, false, Set.of("acme"), null),
                        Rule.list("pilot-20261206-080000", Backend.NEW, false, Set.of("globex"), twoHoursAgo),
                        Rule.list("pilot-20261206-095000", Backend.NEW, false, Set.of("hooli"), tenMinutesAgo),
                        Rule.wave("wave-1", 10, "wave-1", null),
                        Rule.wave("wave-1-20261206-080000", 30, "wave-1", twoHoursAgo)),
                "r1");

        Migration next = Change.move(Set.of("initech"), Backend.NEW, null, Schedule.fleetSafe(NOW), MOVE)
                .apply(m, NOW);

        assertThat(next.rules())
                .extracting(Rule::name)
                .containsExactly("pinned", "pilot", "pilot-20261206-100006", "pilot-20261206-095000", "wave-1");
        assertThat(next.rule("pilot").orElseThrow().tenants()).containsExactlyInAnyOrder("acme", "globex");
        assertThat(next.rule("wave-1").orElseThrow().percent()).isEqualTo(30);
        for (String tenant : List.of("acme", "globex", "hooli", "umbrella", "tenant-42")) {
            assertThat(next.place(tenant, NOW).backend())
                    .as("nobody changes backend by the folding: %s", tenant)
                    .isEqualTo(m.place(tenant, NOW).backend());
        }
    }

    @Test
    void raisesAWaveInForceAtItsTimeWithAWaveOfTheSameGroup() {
        Instant at = Instant.parse("2026-12-06T10:00:06Z");
        Migration m =
                new Migration("route-tenant-to-new", true, List.of(Rule.wave("wave-1", 10, "wave-1", null)), "r1");

        Migration raised = Change.wave("wave-1", 30, null, Schedule.fleetSafe(NOW), Set.of(), FIELDS)
                .apply(m, NOW);

        assertThat(raised.rules()).extracting(Rule::name).containsExactly("wave-1", "wave-1-20261206-100006");
        Rule dated = raised.rule("wave-1-20261206-100006").orElseThrow();
        assertThat(dated.groupId()).as("the same hash, so the moved stay moved").isEqualTo("wave-1");
        assertThat(dated.percent()).isEqualTo(30);
        assertThat(dated.startsAt()).isEqualTo(at);
        assertThat(raised.rule("wave-1").orElseThrow().percent()).isEqualTo(10);
    }
}
