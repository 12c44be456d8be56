package dev.ferry.router.shadow;

import static dev.ferry.router.shadow.Answers.answer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.router.shadow.Difference.Kind;
import dev.ferry.router.shadow.GateResult.Gate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReadinessTest {
    private static final Route ORDERS = Route.parse("GET /orders/{id}");
    private static final Route INVOICES = Route.parse("GET /invoices/{id}");
    private static final Exchange FAST = answer(200, "application/json", "{}", 10);
    private static final Judgement MATCH = new Judgement(DiffVerdict.MATCH, List.of());
    private static final Difference PRICE =
            new Difference(new Field(Field.Part.JSON, "items[*].price"), "items[0].price", Kind.CHANGED);
    private static final Difference STATUS_CLASS = new Difference(Field.STATUS, "status", Kind.STATUS_CLASS);

    private final TenantTally tally = new TenantTally(10_000);

    private void record(int times, Route route, Judgement judgement, Exchange legacy, Exchange candidate) {
        for (int i = 0; i < times; i++) {
            tally.record(route, judgement, legacy, candidate);
        }
    }

    private void matches(int times) {
        record(times, ORDERS, MATCH, FAST, FAST);
    }

    private ReadinessReport report() {
        return Readiness.evaluate(tally.window(), ReadinessBar.defaults());
    }

    private static List<Gate> failed(ReadinessReport report) {
        return report.gates().stream()
                .filter(g -> !g.passed())
                .map(GateResult::gate)
                .toList();
    }

    @ParameterizedTest(name = "{0} of {1}: {2}")
    @CsvSource({
        "3, 3, 0.438503",
        "0, 0, 0",
        "200, 200, 0.981155",
        "950, 1000, 0.934686",
        "0, 10, 0",
        "381, 381, 0.990018"
    })
    void boundsTheMatchRateFromBelowAsWilsonDoes(long successes, long trials, double lower) {
        assertThat(Readiness.wilsonLowerBound(successes, trials)).isCloseTo(lower, within(1e-6));
    }

    @Test
    void isReadyWhenEveryGatePasses() {
        matches(400);
        ReadinessReport report = report();
        assertThat(report.ready()).isTrue();
        assertThat(report.matchRate()).isEqualTo(1.0);
        assertThat(report.gates()).extracting(GateResult::gate).containsExactly(Gate.values());
    }

    @Test
    void isNotReadyOnThreeOfThree() {
        matches(3);
        ReadinessReport report = report();
        assertThat(report.matchRate()).isEqualTo(1.0);
        assertThat(report.lowerBound()).isCloseTo(0.4385, within(1e-4));
        assertThat(report.ready()).isFalse();
        assertThat(report.gate(Gate.MATCH_LOWER_BOUND).reason())
                .isEqualTo("3 of 3 compared requests match: lower bound 0.4385 (expected: >= 0.99)");
    }

    @Test
    void countsNoiseAndLagAsMatchesAndLeavesPendingRechecksOut() {
        matches(400);
        record(100, ORDERS, new Judgement(DiffVerdict.NOISE, List.of()), FAST, FAST);
        record(50, ORDERS, new Judgement(DiffVerdict.LAG, List.of()), FAST, FAST);
        record(5, ORDERS, new Judgement(DiffVerdict.LAG_PENDING_RECHECK, List.of(PRICE)), FAST, FAST);
        ReadinessReport report = report();
        assertThat(report.compared()).isEqualTo(550);
        assertThat(report.matched()).isEqualTo(550);
        assertThat(report.matchRate()).isEqualTo(1.0);
        assertThat(report.verdicts()).containsEntry(DiffVerdict.NOISE, 100L).containsEntry(DiffVerdict.LAG, 50L);
        assertThat(report.ready()).isTrue();
    }

    @Test
    void failsOnTheLowerBoundAloneWhenTooManyDiffer() {
        matches(400);
        record(10, ORDERS, new Judgement(DiffVerdict.DIFFERENT, List.of(PRICE)), FAST, FAST);
        assertThat(failed(report())).containsExactly(Gate.MATCH_LOWER_BOUND);
    }

    @Test
    void failsOnTooFewComparedRequestsAlone() {
        matches(150);
        ReadinessBar bar = new ReadinessBar(0.9, 200, 5, 0.2, Duration.ofMillis(5), 0.005);
        ReadinessReport report = Readiness.evaluate(tally.window(), bar);
        assertThat(failed(report)).containsExactly(Gate.MIN_COMPARED);
        assertThat(report.gate(Gate.MIN_COMPARED).reason()).isEqualTo("150 compared requests (expected: >= 200)");
    }

    @Test
    void failsOnARouteComparedTooRarelyAlone() {
        matches(400);
        record(3, INVOICES, MATCH, FAST, FAST);
        tally.used(INVOICES);
        ReadinessReport report = report();
        assertThat(failed(report)).containsExactly(Gate.ROUTE_COVERAGE);
        assertThat(report.gate(Gate.ROUTE_COVERAGE).reason())
                .isEqualTo("routes compared too rarely {GET /invoices/{id}=3} (expected: >= 5 each)");
    }

    @Test
    void failsOnARouteUsedButNeverCompared() {
        matches(400);
        tally.used(Route.OTHER);
        assertThat(failed(report())).containsExactly(Gate.ROUTE_COVERAGE);
    }

    @Test
    void failsOnAStatusClassMismatchEvenWithAHighMatchRate() {
        matches(1000);
        record(1, ORDERS, new Judgement(DiffVerdict.DIFFERENT, List.of(STATUS_CLASS)), FAST, FAST);
        ReadinessReport report = report();
        assertThat(report.lowerBound()).isGreaterThan(0.99);
        assertThat(failed(report)).containsExactly(Gate.NO_STATUS_CLASS_MISMATCH);
    }

    @ParameterizedTest(name = "legacy {0} ms, new {1} ms: passes {2}")
    @CsvSource({"10, 15, true", "10, 16, false", "100, 120, true", "100, 121, false", "10, 5, true"})
    void allowsNewsP99TheLargerOfTheRelativeAndAbsoluteMargins(long legacyMillis, long newMillis, boolean passes) {
        record(
                400,
                ORDERS,
                MATCH,
                answer(200, "application/json", "{}", legacyMillis),
                answer(200, "application/json", "{}", newMillis));
        assertThat(failed(report())).isEqualTo(passes ? List.of() : List.of(Gate.LATENCY_P99));
    }

    @Test
    void takesTheP99NotTheWorstLatency() {
        record(990, ORDERS, MATCH, FAST, FAST);
        record(10, ORDERS, MATCH, FAST, answer(200, "application/json", "{}", 1000));
        assertThat(tally.window().newP99Nanos()).hasValue(10_000_000);
        record(1, ORDERS, MATCH, FAST, answer(200, "application/json", "{}", 1000));
        assertThat(tally.window().newP99Nanos()).hasValue(1_000_000_000);
    }

    @Test
    void failsOnNewsErrorRateAlone() {
        matches(1000);
        record(
                6,
                ORDERS,
                new Judgement(DiffVerdict.NOISE, List.of()),
                FAST,
                Exchange.failure(ExchangeError.TIMEOUT, 1_000_000));
        ReadinessReport report = report();
        assertThat(failed(report)).containsExactly(Gate.ERROR_RATE);
        assertThat(report.gate(Gate.ERROR_RATE).reason())
                .isEqualTo("error rate new 0.60 %, legacy 0.00 % of 1006 (expected: new <= legacy + 0.50 points)");
    }

    @Test
    void allowsNewTheErrorsLegacyHasToo() {
        Exchange unavailable = answer(503, "text/plain", "down", 1);
        matches(1000);
        record(20, ORDERS, MATCH, unavailable, unavailable);
        assertThat(report().ready()).isTrue();
    }

    @Test
    void listsTheTopDifferingFieldsPerRoute() {
        matches(100);
        record(3, ORDERS, new Judgement(DiffVerdict.DIFFERENT, List.of(PRICE)), FAST, FAST);
        Difference total = new Difference(new Field(Field.Part.JSON, "total"), "total", Kind.CHANGED);
        record(5, ORDERS, new Judgement(DiffVerdict.DIFFERENT, List.of(total, PRICE)), FAST, FAST);
        for (int i = 0; i < 12; i++) {
            Field f = new Field(Field.Part.JSON, "f" + i);
            record(
                    1,
                    INVOICES,
                    new Judgement(DiffVerdict.DIFFERENT, List.of(new Difference(f, "f", Kind.CHANGED))),
                    FAST,
                    FAST);
        }
        Map<Route, List<FieldCount>> top = report().topFields();
        assertThat(top.get(ORDERS))
                .containsExactly(
                        new FieldCount(PRICE.field(), 8), new FieldCount(new Field(Field.Part.JSON, "total"), 5));
        assertThat(top.get(INVOICES)).hasSize(Readiness.TOP_FIELDS);
    }

    @Test
    void refusesABarOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> new ReadinessBar(1.5, 200, 5, 0.2, Duration.ofMillis(5), 0.005))
                .hasMessage("shadow.readiness.min-lower-bound: 1.5 (expected: in (0, 1])");
        assertThatThrownBy(() -> new NoiseThresholds(-0.1, 0.0003))
                .hasMessage("shadow.noise.relative-threshold: -0.1 (expected: a fraction in [0, 1), such as 0.2)");
    }
}
