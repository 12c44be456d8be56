package dev.ferry.router.shadow;

import static dev.ferry.router.shadow.Answers.json;
import static dev.ferry.router.shadow.Answers.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JudgeTest {
    private final Differ differ = new Differ();
    private final Judge judge = new Judge(differ);
    private final CompareRules rules = CompareRules.builder("GET /orders/{id}").build();
    private final Exchange legacy = json(q("{'status':'shipped','generatedAt':1}"));

    private Judgement judge(Exchange candidate, Set<Field> noisy, boolean recentWrite, Optional<Exchange> reread) {
        return judge.judge(legacy, differ.compare(legacy, candidate, rules), rules, noisy, recentWrite, reread);
    }

    @Test
    void matchesEqualAnswers() {
        assertThat(judge(legacy, Set.of(), false, Optional.empty()).verdict()).isEqualTo(DiffVerdict.MATCH);
    }

    @Test
    void callsAChangedFieldDifferent() {
        Judgement j = judge(json(q("{'status':'pending','generatedAt':1}")), Set.of(), false, Optional.empty());
        assertThat(j.verdict()).isEqualTo(DiffVerdict.DIFFERENT);
        assertThat(j.standing()).extracting(Difference::toString).containsExactly("CHANGED status");
    }

    @Test
    void callsADifferenceOnlyInNoisyFieldsNoise() {
        Field generatedAt = new Field(Field.Part.JSON, "generatedAt");
        Exchange candidate = json(q("{'status':'shipped','generatedAt':2}"));
        assertThat(judge(candidate, Set.of(generatedAt), false, Optional.empty())
                        .verdict())
                .isEqualTo(DiffVerdict.NOISE);
        Exchange both = json(q("{'status':'pending','generatedAt':2}"));
        assertThat(judge(both, Set.of(generatedAt), false, Optional.empty()).standing())
                .extracting(Difference::toString)
                .containsExactly("CHANGED status");
    }

    @Test
    void neverCallsAStatusClassMismatchNoise() {
        Judgement j = judge(json(404, "{}"), Set.of(Field.STATUS), false, Optional.empty());
        assertThat(j.verdict()).isEqualTo(DiffVerdict.DIFFERENT);
        assertThat(j.statusClassMismatch()).isTrue();
    }

    @Test
    void neverCallsADifferenceNoiseWhereItStandsForAWholePartOfTheAnswer() {
        // legacy's non-JSON bodies differ from each other (a page with a timestamp): new's may not hide behind that
        Exchange page = Answers.answer(200, "text/html", "<p>shipped</p>", 1);
        Exchange other = Answers.answer(200, "text/html", "<p>lost</p>", 1);
        Judgement j = judge.judge(
                page, differ.compare(page, other, rules), rules, Set.of(Field.BODY), false, Optional.empty());
        assertThat(j.verdict()).isEqualTo(DiffVerdict.DIFFERENT);
        Judgement status = judge(
                json(201, q("{'status':'shipped','generatedAt':1}")), Set.of(Field.STATUS), false, Optional.empty());
        assertThat(status.verdict()).isEqualTo(DiffVerdict.DIFFERENT);
    }

    @Test
    void waitsForARecheckWhenTheTenantWroteWithinTheLagBound() {
        Exchange stale = json(q("{'status':'pending','generatedAt':1}"));
        assertThat(judge(stale, Set.of(), true, Optional.empty()).verdict()).isEqualTo(DiffVerdict.LAG_PENDING_RECHECK);
    }

    @Test
    void callsItLagWhenTheRereadMatches() {
        Exchange stale = json(404, "{}");
        Judgement j = judge(stale, Set.of(), true, Optional.of(legacy));
        assertThat(j.verdict()).isEqualTo(DiffVerdict.LAG);
        assertThat(j.standing()).isEmpty();
    }

    @Test
    void callsItDifferentWhenTheRereadStillDiffers() {
        Exchange stale = json(q("{'status':'pending','generatedAt':1}"));
        Exchange still = json(q("{'status':'cancelled','generatedAt':1}"));
        Judgement j = judge(stale, Set.of(), true, Optional.of(still));
        assertThat(j.verdict()).isEqualTo(DiffVerdict.DIFFERENT);
        assertThat(j.standing()).extracting(Difference::toString).containsExactly("CHANGED status");
    }

    @Test
    void boundsTheLagFromTheTenantsLastWrite() {
        LagBound lag = new LagBound(Duration.ofSeconds(5));
        Instant read = Instant.parse("2025-01-01T00:00:10Z");
        assertThat(lag.covers(Optional.of(read.minusSeconds(5)), read)).isTrue();
        assertThat(lag.covers(Optional.of(read.minusSeconds(6)), read)).isFalse();
        assertThat(lag.covers(Optional.of(read.plusSeconds(1)), read)).isTrue();
        assertThat(lag.covers(Optional.empty(), read)).isFalse();
        assertThat(lag.recheckAt(read)).isEqualTo(read.plusSeconds(5));
    }
}
