package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.routing.ClientFeatures;
import dev.ferry.router.routing.RoutingRule;
import dev.ferry.router.shadow.ShadowFlag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every store must do, run against each: the Unleash server ({@code UnleashAdminStoreIT}) and a flags file
 * ({@code FlagsFileStoreTest}). Each test starts from a fresh flag, on, with one rule: pilot, globex to new.
 */
public abstract class MigrationStoreContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    protected static final Operator JANE = new Operator("jane", null, false);
    protected static final Operator JOHN = new Operator("john", null, false);

    protected MigrationStore store;

    /** A fresh flag: on, with pilot (globex to new). */
    protected abstract MigrationStore newStore();

    /** The same flag through another store, as a second operator on another machine would reach it. */
    protected abstract MigrationStore anotherOperatorsStore();

    protected abstract String flag();

    /** The client-features document the router gets now, once it reflects every write so far. */
    protected abstract String servedDocument();

    /**
     * The client-features document the router gets with flag {@code name} in it, once {@code current} holds for it (a
     * server serves a new state on its next tick).
     */
    protected abstract String servedDocument(String name, java.util.function.Predicate<String> current);

    /** The shadow flag of these tests: one of its own per test on a server, the default in a file. */
    protected String shadowFlag() {
        return flag() + ".shadow";
    }

    @BeforeEach
    void createFlag() {
        store = newStore();
    }

    protected TenantMover mover() {
        return new TenantMover(store, Clock.systemUTC(), Progress.none());
    }

    /** Every document flags-admin writes must be one the router routes from (its own check, not a copy). */
    protected void assertRouterAccepts() {
        String document = servedDocument();
        assertThat(ClientFeatures.problems(document, flag())).isEmpty();
    }

    private Placement placement(String tenant) {
        return store.read().migration().place(tenant, Instant.now());
    }

    private List<String> ruleNames() {
        List<String> names = new ArrayList<>();
        store.read().migration().rules().forEach(r -> names.add(r.name()));
        return names;
    }

    private Set<String> listed(String rule) {
        return store.read().migration().rule(rule).orElseThrow().tenants();
    }

    // ------------------------------------------------------------------ shadow reads

    @Test
    void shadowsTenantsByCreatingTheShadowFlagInTheShapeTheRouterReads() {
        assertThat(store.shadowed(shadowFlag())).isEmpty();
        String before = store.read().migration().rules().toString();

        Set<String> after = store.shadow(shadowFlag(), ids("initech", "acme"), Set.of());

        assertThat(after).containsExactly("acme", "initech");
        assertThat(store.shadowed(shadowFlag())).containsExactly("acme", "initech");
        assertThat(anotherOperatorsStore().shadowed(shadowFlag())).containsExactly("acme", "initech");
        ShadowFlag served = ShadowFlag.read(
                servedDocument(
                        shadowFlag(), d -> ShadowFlag.read(d, shadowFlag()).shadows("initech")),
                shadowFlag());
        assertThat(served.present()).isTrue();
        assertThat(served.problems()).isEmpty();
        assertThat(served.tenants()).containsExactlyInAnyOrder("acme", "initech");
        assertThat(store.read().migration().rules()).hasToString(before);
        assertRouterAccepts();
    }

    @Test
    void unshadowsTenantsAndTurnsTheFlagOffWhenNobodyIsLeftThenOnAgain() {
        store.shadow(shadowFlag(), ids("acme", "initech"), Set.of());

        assertThat(store.shadow(shadowFlag(), Set.of(), ids("acme", "umbrella")))
                .containsExactly("initech");
        assertThat(store.shadow(shadowFlag(), Set.of(), ids("initech"))).isEmpty();

        assertThat(store.shadowed(shadowFlag())).isEmpty();
        ShadowFlag off = ShadowFlag.read(
                servedDocument(
                        shadowFlag(),
                        d -> ShadowFlag.read(d, shadowFlag()).tenants().isEmpty()),
                shadowFlag());
        assertThat(off.present()).isTrue();
        assertThat(off.tenants()).isEmpty();
        assertThat(off.problems()).isEmpty();

        assertThat(store.shadow(shadowFlag(), ids("globex"), Set.of())).containsExactly("globex");
        ShadowFlag on = ShadowFlag.read(
                servedDocument(
                        shadowFlag(), d -> ShadowFlag.read(d, shadowFlag()).shadows("globex")),
                shadowFlag());
        assertThat(on.tenants()).containsExactly("globex");
        assertThat(on.problems()).isEmpty();
        assertRouterAccepts();
    }

    @Test
    void keepsTheTenantsOfTwoOperatorsShadowingAtOnce() throws Exception {
        store.shadow(shadowFlag(), ids("umbrella"), Set.of());
        for (int round = 0; round < 2; round++) {
            String a = "tenant-a" + round;
            String b = "tenant-b" + round;
            CompletableFuture<Set<String>> jane = CompletableFuture.supplyAsync(
                    () -> new TenantMover(racingStore(), Clock.systemUTC(), Progress.none())
                            .shadow(shadowFlag(), Set.of(a), Set.of()));
            CompletableFuture<Set<String>> john = CompletableFuture.supplyAsync(
                    () -> new TenantMover(racingStore(), Clock.systemUTC(), Progress.none())
                            .shadow(shadowFlag(), Set.of(b), Set.of()));

            assertThat(jane.get(60, TimeUnit.SECONDS)).contains(a);
            assertThat(john.get(60, TimeUnit.SECONDS)).contains(b);
            assertThat(store.shadowed(shadowFlag())).contains("umbrella", a, b);
        }
    }

    // ------------------------------------------------------------------ moves and plans

    @Test
    void plansExactlyTheTenantsThatMoveAndWritesNothing() {
        String before = store.read().digest();

        Plan plan = mover().plan(new Change.MoveToNew(Set.of("acme", "initech", "globex"), "pilot", null), JANE);

        assertThat(plan.moves())
                .extracting(Plan.Move::tenant, Plan.Move::from, Plan.Move::to, Plan.Move::toRule)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("acme", Backend.LEGACY, Backend.NEW, "pilot"),
                        org.assertj.core.groups.Tuple.tuple("initech", Backend.LEGACY, Backend.NEW, "pilot"));
        assertThat(plan.notes()).anyMatch(n -> n.startsWith("globex stays on new: listed in pilot"));
        assertThat(plan.refused()).isFalse();
        assertThat(store.read().digest()).isEqualTo(before);
    }

    /** Tenant ids in the order given, as the command line passes them. */
    protected static Set<String> ids(String... tenants) {
        return new LinkedHashSet<>(List.of(tenants));
    }

    @Test
    void movesTenantsToNewByAddingThemToTheListRule() {
        Plan plan = mover().apply(new Change.MoveToNew(ids("acme", "initech"), "pilot", null), JANE);

        assertThat(plan.revision()).isNotNull();
        assertThat(listed("pilot")).containsExactly("globex", "acme", "initech");
        assertThat(placement("acme").backend()).isEqualTo(Backend.NEW);
        Rule pilot = store.read().migration().rule("pilot").orElseThrow();
        assertThat(pilot.stamp().by()).isEqualTo("jane");
        assertThat(pilot.stamp().at()).isCloseTo(Instant.now(), within(Duration.ofMinutes(1)));
        assertRouterAccepts();
    }

    @Test
    void createsAMissingListRuleAfterThePins() {
        mover().apply(new Change.Pin(Set.of("umbrella")), JANE);
        mover().apply(new Change.Wave("wave-1", 10, null, null, Set.of()), JANE);

        mover().apply(new Change.MoveToNew(Set.of("acme"), "wave-2", null), JANE);

        assertThat(ruleNames()).containsExactly("pinned", "wave-2", "pilot", "wave-1");
        assertThat(placement("acme").ruleName()).isEqualTo("wave-2");
        assertRouterAccepts();
    }

    @Test
    void changesNothingWhenTheFlagAlreadySaysIt() {
        Plan plan = mover().apply(new Change.MoveToNew(Set.of("globex"), "pilot", null), JANE);

        assertThat(plan.writes()).isFalse();
        assertThat(plan.moves()).isEmpty();
    }

    @Test
    void schedulesAMoveWithAStartTime() {
        Instant start = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);

        Plan plan = mover().apply(new Change.MoveToNew(Set.of("acme"), "wave-2", start), JANE);

        assertThat(plan.moves()).isEmpty();
        assertThat(plan.scheduled())
                .extracting(Plan.Move::tenant, Plan.Move::to, Plan.Move::at)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("acme", Backend.NEW, start));
        assertThat(placement("acme").backend()).isEqualTo(Backend.LEGACY);
        assertThat(store.read().migration().place("acme", start.plusSeconds(1)).backend())
                .isEqualTo(Backend.NEW);
        assertRouterAccepts();
    }

    @Test
    void createsAWaveLastAndRaisesItNamingTheKnownTenantsItTakes() {
        Set<String> known = new LinkedHashSet<>();
        for (int i = 0; i < 300; i++) {
            known.add(String.format("tenant-%05d", i));
        }
        mover().apply(new Change.Wave("wave-1", 10, null, null, Set.of()), JANE);

        Plan plan = mover().apply(new Change.Wave("wave-1", 20, null, null, known), JANE);

        Set<String> expected = new LinkedHashSet<>();
        for (String tenant : known) {
            int hash = WaveHash.normalized("wave-1", tenant);
            if (hash > 10 && hash <= 20) {
                expected.add(tenant);
            }
        }
        assertThat(expected).isNotEmpty();
        assertThat(plan.moves()).extracting(Plan.Move::tenant).containsExactlyInAnyOrderElementsOf(expected);
        Rule wave = store.read().migration().rule("wave-1").orElseThrow();
        assertThat(wave.percent()).isEqualTo(20);
        assertThat(wave.groupId()).isEqualTo("wave-1");
        assertThat(ruleNames()).containsExactly("pilot", "wave-1");
        assertRouterAccepts();
    }

    @Test
    void movesTenThousandTenantsAtOnce() {
        Set<String> tenants = new LinkedHashSet<>();
        for (int i = 0; i < 10_000; i++) {
            tenants.add(String.format("tenant-%05d", i));
        }

        Plan plan = mover().apply(new Change.MoveToNew(tenants, "wave-2", null), JANE);

        assertThat(plan.moves()).hasSize(10_000);
        assertThat(listed("wave-2")).hasSize(10_000).containsAll(tenants);
        assertThat(placement("tenant-09999").ruleName()).isEqualTo("wave-2");
        assertRouterAccepts();
    }

    // ------------------------------------------------------------------ the one-way guard

    /** Each way a change could send a tenant back to legacy: set-up, then the change the guard must refuse. */
    static Stream<Arguments> movesBack() {
        return Stream.of(
                Arguments.of(
                        "removing a tenant from the list that routes it to new",
                        new Change.MoveToNew(Set.of("acme"), "pilot", null),
                        new Change.Remove(Set.of("globex"), "pilot"),
                        Plan.Refusal.Kind.LIST_REMOVAL),
                Arguments.of(
                        "pinning a tenant that is on new",
                        null,
                        new Change.Pin(Set.of("globex")),
                        Plan.Refusal.Kind.MOVE_BACK),
                Arguments.of(
                        "moving a tenant back to legacy",
                        null,
                        new Change.MoveBack(Set.of("globex")),
                        Plan.Refusal.Kind.MOVE_BACK),
                Arguments.of(
                        "lowering a wave",
                        new Change.Wave("wave-1", 20, null, null, Set.of()),
                        new Change.Wave("wave-1", 10, null, null, Set.of()),
                        Plan.Refusal.Kind.WAVE_LOWERED),
                Arguments.of(
                        "changing a wave's groupId",
                        new Change.Wave("wave-1", 20, null, null, Set.of()),
                        new Change.Wave("wave-1", 20, "wave-1b", null, Set.of()),
                        Plan.Refusal.Kind.WAVE_GROUP_CHANGED),
                Arguments.of(
                        "delaying the start of a wave that has started",
                        new Change.Wave("wave-1", 20, null, null, Set.of()),
                        new Change.Wave("wave-1", 20, null, Instant.parse("2099-01-01T00:00:00Z"), Set.of()),
                        Plan.Refusal.Kind.WAVE_DELAYED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("movesBack")
    void refusesAChangeThatSendsTenantsBackAndWritesNothing(
            String what, Change setUp, Change change, Plan.Refusal.Kind kind) {
        if (setUp != null) {
            mover().apply(setUp, JANE);
        }
        String before = store.read().digest();

        Plan plan = mover().apply(change, JANE);

        assertThat(plan.refused()).isTrue();
        assertThat(plan.refusals()).extracting(Plan.Refusal::kind).contains(kind);
        assertThat(store.read().digest()).isEqualTo(before);
        assertThat(plan.refusals())
                .filteredOn(r -> r.kind() == kind)
                .allSatisfy(r -> assertThat(r.message()).as(what).isNotBlank());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("movesBack")
    void writesADeliberateMoveBackOnlyWithBreakGlass(String what, Change setUp, Change change, Plan.Refusal.Kind kind) {
        if (setUp != null) {
            mover().apply(setUp, JANE);
        }
        Operator breakingGlass = new Operator("jane", "data repair OPS-1234", true);

        Plan plan = mover().apply(change, breakingGlass);

        assertThat(plan.refused()).isFalse();
        assertThat(plan.revision()).isNotNull();
        assertThat(plan.refusals()).extracting(Plan.Refusal::kind).contains(kind);
        if (!plan.refusals().get(0).tenants().isEmpty()) {
            assertThat(placement("globex").backend()).isEqualTo(Backend.LEGACY);
            assertThat(placement("globex").ruleName()).isEqualTo("moved-back");
            assertThat(ruleNames().get(0)).isEqualTo("moved-back");
            assertMarker("globex", "data repair OPS-1234", "jane");
        }
        assertRouterAccepts();
    }

    @Test
    void refusesToLeaveTheFlagOnWithoutRulesBecauseThatSendsEveryTenantToNew() {
        mover().apply(new Change.MoveBack(Set.of("globex")), new Operator("jane", "data repair", true));
        mover().apply(new Change.Remove(Set.of("globex"), "pilot"), JANE);

        assertThatThrownBy(() -> mover().apply(new Change.Remove(Set.of("globex"), "moved-back"), JANE))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("without rules")
                .hasMessageContaining("sends every tenant to new");
    }

    @Test
    void refusesBreakGlassWithoutAReason() {
        assertThatThrownBy(() -> new Operator("jane", " ", true))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("--break-glass without --reason");
    }

    @Test
    void movesADeliberatelyMovedBackTenantToNewAgainByTakingItOutOfTheMarker() {
        mover().apply(new Change.MoveBack(Set.of("globex")), new Operator("jane", "data repair", true));

        Plan plan = mover().apply(new Change.MoveToNew(Set.of("globex"), "pilot", null), JOHN);

        assertThat(plan.refused()).isFalse();
        assertThat(plan.moves())
                .extracting(Plan.Move::tenant, Plan.Move::from, Plan.Move::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("globex", Backend.LEGACY, Backend.NEW));
        assertThat(ruleNames()).containsExactly("pilot");
        assertRouterAccepts();
    }

    /** The marker as the router reads it: the payload of the moved-back rule's variant, in the served document. */
    private void assertMarker(String tenant, String reason, String by) {
        try {
            JsonNode feature = JSON.readTree(servedDocument()).path("features").path(0);
            JsonNode movedBack = feature.path("strategies").path(0);
            assertThat(movedBack.path("constraints").path(0).path("values").toString())
                    .contains("\"" + tenant + "\"");
            String payload = movedBack
                    .path("variants")
                    .path(0)
                    .path("payload")
                    .path("value")
                    .asText();
            assertThat(RoutingRule.parse(payload).deliberate()).isTrue();
            JsonNode fields = JSON.readTree(payload);
            assertThat(fields.path("backend").asText()).isEqualTo("legacy");
            assertThat(fields.path("rule").asText()).isEqualTo("moved-back");
            assertThat(fields.path("reason").asText()).isEqualTo(reason);
            assertThat(fields.path("by").asText()).isEqualTo(by);
            assertThat(Instant.parse(fields.path("at").asText()))
                    .isCloseTo(Instant.now(), within(Duration.ofMinutes(1)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ conflicts

    @Test
    void keepsBothChangesOfTwoOperatorsWritingAtOnce() throws Exception {
        for (int round = 0; round < rounds(); round++) {
            String a = "tenant-a" + round;
            String b = "tenant-b" + round;
            CyclicBarrier bothPlanned = new CyclicBarrier(2);
            CompletableFuture<Plan> jane = CompletableFuture.supplyAsync(
                    () -> new TenantMover(racingStore(), Clock.systemUTC(), atWriting(bothPlanned))
                            .apply(new Change.MoveToNew(Set.of(a), "pilot", null), JANE));
            CompletableFuture<Plan> john = CompletableFuture.supplyAsync(
                    () -> new TenantMover(racingStore(), Clock.systemUTC(), atWriting(bothPlanned))
                            .apply(new Change.MoveToNew(Set.of(b), "pilot", null), JOHN));

            Plan janes = jane.get(60, TimeUnit.SECONDS);
            Plan johns = john.get(60, TimeUnit.SECONDS);

            assertThat(janes.refused()).isFalse();
            assertThat(johns.refused()).isFalse();
            assertThat(listed("pilot")).contains("globex", a, b);
            // Both read the same state: one of them found the other's write and planned again
            assertThat(Stream.concat(janes.notes().stream(), johns.notes().stream()))
                    .anyMatch(n -> n.contains("planned again") || n.contains("a concurrent change was written"));
        }
        assertRouterAccepts();
    }

    /** A store for one of two operators writing at the same moment. */
    protected MigrationStore racingStore() {
        return anotherOperatorsStore();
    }

    /** How many rounds of two concurrent writers. */
    protected int rounds() {
        return 3;
    }

    /** Waits at the barrier once both have read and planned, so that both write at the same moment. */
    private static Progress atWriting(CyclicBarrier barrier) {
        AtomicBoolean waited = new AtomicBoolean();
        return (step, done, total) -> {
            if (step.startsWith("writing: ") && waited.compareAndSet(false, true)) {
                try {
                    barrier.await(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the other writer never came", e);
                }
            }
        };
    }

    /** Runs {@code other} once, between this operator's read and write: another operator's change in between. */
    private Progress meanwhile(Runnable other) {
        AtomicBoolean done = new AtomicBoolean();
        return (step, d, total) -> {
            if (step.startsWith("writing: ") && done.compareAndSet(false, true)) {
                other.run();
            }
        };
    }

    @Test
    void plansAgainOnTheFreshStateWhenAnotherOperatorWroteFirst() {
        TenantMover john = new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none());
        TenantMover jane = new TenantMover(
                store,
                Clock.systemUTC(),
                meanwhile(() -> john.apply(new Change.MoveToNew(Set.of("initech"), "pilot", null), JOHN)));

        Plan plan = jane.apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE);

        assertThat(plan.revision()).isNotNull();
        assertThat(plan.notes()).anyMatch(n -> n.contains("planned again on the fresh state"));
        assertThat(listed("pilot")).containsExactlyInAnyOrder("globex", "initech", "acme");
        assertRouterAccepts();
    }

    @Test
    void checksTheFreshStateWithTheGuardAgain() {
        TenantMover john = new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none());
        TenantMover jane = new TenantMover(
                store,
                Clock.systemUTC(),
                meanwhile(() -> john.apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JOHN)));

        Plan plan = jane.apply(new Change.Pin(Set.of("acme")), JANE);

        assertThat(plan.refused()).isTrue();
        assertThat(plan.refusals()).extracting(Plan.Refusal::kind).containsExactly(Plan.Refusal.Kind.MOVE_BACK);
        assertThat(placement("acme").backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void appliesExactlyThePlanSeenOnlyWhileTheFlagIsStillAtItsRevision() {
        Plan seen = mover().plan(new Change.Pin(Set.of("acme")), JANE);
        new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none())
                .apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JOHN);
        String between = store.read().digest();

        assertThatThrownBy(() -> mover().apply(
                                new Change.Pin(Set.of("acme")),
                                JANE,
                                seen.before().revision()))
                .isInstanceOfSatisfying(StalePlanException.class, e -> {
                    assertThat(e.expected()).isEqualTo(seen.before().revision());
                    assertThat(e.plan().before().revision())
                            .isNotEqualTo(seen.before().revision());
                    // the same change on the fresh state: now a move back, which the guard refuses
                    assertThat(e.plan().refused()).isTrue();
                    assertThat(e.getMessage()).contains("changed since the plan was made", "nothing was written");
                });
        assertThat(store.read().digest()).isEqualTo(between);

        Plan fresh = mover().plan(new Change.MoveToNew(Set.of("initech"), "pilot", null), JANE);
        Plan written = mover().apply(
                        new Change.MoveToNew(Set.of("initech"), "pilot", null),
                        JANE,
                        fresh.before().revision());

        assertThat(written.revision()).isNotNull().isNotEqualTo(fresh.before().revision());
        assertThat(written.moves()).extracting(Plan.Move::tenant).containsExactly("initech");
        assertThat(listed("pilot")).containsExactlyInAnyOrder("globex", "acme", "initech");
    }

    @Test
    void refusesAnExpectedRevisionWhenAnotherOperatorWritesBetweenTheReadAndTheWrite() {
        TenantMover john = new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none());
        TenantMover jane = new TenantMover(
                store,
                Clock.systemUTC(),
                meanwhile(() -> john.apply(new Change.MoveToNew(Set.of("initech"), "pilot", null), JOHN)));
        String revision = store.read().migration().revision();

        assertThatThrownBy(() -> jane.apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE, revision))
                .isInstanceOf(StalePlanException.class);
        assertThat(listed("pilot")).containsExactlyInAnyOrder("globex", "initech");
    }

    @Test
    void refusesWithAClearMessageWhenTheFlagKeepsChanging() {
        TenantMover john = new TenantMover(anotherOperatorsStore(), Clock.systemUTC(), Progress.none());
        TenantMover jane = new TenantMover(
                store,
                Clock.systemUTC(),
                meanwhile(() -> john.apply(new Change.MoveToNew(Set.of("initech"), "pilot", null), JOHN)),
                1);

        assertThatThrownBy(() -> jane.apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("the flag changed under this change 1 time in a row")
                .hasMessageContaining("nothing of it was written over the other changes");
        assertThat(listed("pilot")).containsExactlyInAnyOrder("globex", "initech");
    }

    // ------------------------------------------------------------------ status, show, history

    @Test
    void showsTenantsPerBackendPerRule() {
        mover().apply(new Change.MoveToNew(Set.of("acme", "initech"), "pilot", null), JANE);
        mover().apply(new Change.Pin(Set.of("umbrella", "initech")), new Operator("jane", "legal hold", true));
        mover().apply(new Change.Wave("wave-1", 10, null, null, Set.of()), JANE);

        Status status = mover().status();

        assertThat(status.rules())
                .extracting(
                        r -> r.rule().name(),
                        r -> r.rule().kind(),
                        r -> r.rule().backend(),
                        Status.RuleStatus::decides)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("moved-back", Rule.Kind.MOVED_BACK, Backend.LEGACY, 1),
                        org.assertj.core.groups.Tuple.tuple("pinned", Rule.Kind.PINNED, Backend.LEGACY, 1),
                        org.assertj.core.groups.Tuple.tuple("pilot", Rule.Kind.LIST, Backend.NEW, 2),
                        org.assertj.core.groups.Tuple.tuple("wave-1", Rule.Kind.WAVE, Backend.NEW, 0));
        assertThat(status.listedOnNew()).isEqualTo(2);
        assertThat(status.listedOnLegacy()).isEqualTo(2);
        assertThat(status.migration().revision()).isNotBlank();
        assertRouterAccepts();
    }

    @Test
    void saysWhereATenantGoesWhyAndSinceWhenByWhom() {
        mover().apply(
                        new Change.MoveToNew(Set.of("acme"), "pilot", null),
                        new Operator("jane", "pilot customer", false));
        mover().apply(new Change.Pin(Set.of("umbrella")), JOHN);

        TenantMover.Explanation acme = mover().show("acme");
        TenantMover.Explanation umbrella = mover().show("umbrella");
        TenantMover.Explanation hooli = mover().show("hooli");

        assertThat(acme.now().backend()).isEqualTo(Backend.NEW);
        assertThat(acme.now().why()).isEqualTo("listed in pilot");
        assertThat(acme.since().by()).startsWith("jane");
        assertThat(acme.since().reason()).isEqualTo("pilot customer");
        assertThat(acme.since().at()).isCloseTo(Instant.now(), within(Duration.ofMinutes(1)));
        assertThat(umbrella.now().why()).isEqualTo("pinned (rule pinned)");
        assertThat(hooli.now().why()).isEqualTo("no rule matches");
        assertThat(hooli.since()).isNull();
    }

    @Test
    void recordsWhoMovedWhichTenantsFromWhereToWhereAndWhy() {
        mover().apply(new Change.MoveToNew(Set.of("acme", "initech"), "pilot", null), JANE);
        mover().apply(new Change.Wave("wave-1", 5, null, null, Set.of()), JOHN);
        mover().apply(new Change.MoveBack(Set.of("initech")), new Operator("john", "data repair OPS-9", true));

        List<HistoryEntry> history = mover().history();

        List<HistoryEntry> ours = history.subList(history.size() - 3, history.size());
        assertThat(ours.get(0).by()).startsWith("jane");
        assertThat(ours.get(0).moves())
                .extracting(Plan.Move::tenant, Plan.Move::from, Plan.Move::to, Plan.Move::toRule)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("acme", Backend.LEGACY, Backend.NEW, "pilot"),
                        org.assertj.core.groups.Tuple.tuple("initech", Backend.LEGACY, Backend.NEW, "pilot"));
        assertThat(ours.get(1).by()).startsWith("john");
        assertThat(ours.get(1).rules())
                .extracting(Plan.RuleChange::rule, Plan.RuleChange::percentAfter)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("wave-1", 5));
        assertThat(ours.get(2).by()).startsWith("john");
        assertThat(ours.get(2).reason()).isEqualTo("data repair OPS-9");
        assertThat(ours.get(2).moves())
                .extracting(Plan.Move::tenant, Plan.Move::from, Plan.Move::fromRule, Plan.Move::to, Plan.Move::toRule)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(
                        "initech", Backend.NEW, "pilot", Backend.LEGACY, "moved-back"));
        assertThat(ours).allSatisfy(e -> assertThat(e.at()).isCloseTo(Instant.now(), within(Duration.ofMinutes(1))));
    }

    private static org.assertj.core.data.TemporalUnitOffset within(Duration d) {
        return org.assertj.core.api.Assertions.within(d.toMillis(), ChronoUnit.MILLIS);
    }
}
