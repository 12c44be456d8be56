package dev.ferry.router.shadow;

import static dev.ferry.router.shadow.Answers.answer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.shadow.Difference.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Windows of several replicas add up to the fleet's, through the JSON the admin port serves. */
class FleetWindowTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Route ORDERS = Route.parse("GET /orders/{id}");
    private static final Route OTHER = Route.OTHER;
    private static final Judgement MATCH = new Judgement(DiffVerdict.MATCH, List.of());
    private static final Judgement PRICE = new Judgement(
            DiffVerdict.DIFFERENT, List.of(new Difference(new Field(Field.Part.JSON, "price"), "price", Kind.CHANGED)));

    private static TenantWindow replica(int matches, int differences, long newMillis) {
        TenantTally tally = new TenantTally(1000);
        for (int i = 0; i < matches; i++) {
            tally.record(
                    ORDERS,
                    MATCH,
                    answer(200, "application/json", "{}", 10),
                    answer(200, "application/json", "{}", newMillis));
        }
        for (int i = 0; i < differences; i++) {
            tally.record(OTHER, PRICE, answer(200, "application/json", "{}", 10), answer(500, "text/plain", "", 10));
        }
        tally.used(Route.parse("GET /rare"));
        return tally.window();
    }

    @Test
    void addsCountsAndPoolsLatencies() {
        TenantWindow fleet = TenantWindow.merge(List.of(replica(200, 1, 10), replica(190, 2, 40)));
        assertThat(fleet.count(DiffVerdict.MATCH)).isEqualTo(390);
        assertThat(fleet.count(DiffVerdict.DIFFERENT)).isEqualTo(3);
        assertThat(fleet.observed()).isEqualTo(393);
        assertThat(fleet.newFailures()).isEqualTo(3);
        assertThat(fleet.compared()).containsEntry(ORDERS, 390L).containsEntry(OTHER, 3L);
        assertThat(fleet.used()).containsEntry(Route.parse("GET /rare"), 2L);
        assertThat(fleet.differingFields().get(OTHER))
                .containsExactly(new FieldCount(new Field(Field.Part.JSON, "price"), 3));
        assertThat(fleet.newLatencyNanos()).hasSize(393);
        // the pooled p99 is the slower replica's: 190 of its answers took 40 ms
        assertThat(fleet.newP99Nanos()).hasValue(Duration.ofMillis(40).toNanos());
    }

    @Test
    void aTenantReadyOnNoReplicaAloneIsReadyOnTheFleetsEvidence() {
        ReadinessBar bar = ReadinessBar.defaults();
        TenantWindow a = replica(200, 0, 10);
        TenantWindow b = replica(200, 0, 10);
        assertThat(Readiness.evaluate(a, bar).ready()).isFalse(); // 200 of 200: lower bound 0.981
        ReadinessReport fleet = Readiness.evaluate(TenantWindow.merge(List.of(a, b)), bar);
        assertThat(fleet.gate(GateResult.Gate.MATCH_LOWER_BOUND).passed()).isTrue(); // 400 of 400: 0.990
    }

    @Test
    void aWindowAndItsBarSurviveTheirJson() throws Exception {
        TenantWindow window = replica(5, 2, 12);
        String text = JSON.writeValueAsString(ShadowJson.window(window));
        TenantWindow read = ShadowJson.readWindow(JSON.readTree(text));
        assertThat(read.verdicts()).isEqualTo(window.verdicts());
        assertThat(read.used()).isEqualTo(window.used());
        assertThat(read.compared()).isEqualTo(window.compared());
        assertThat(read.differingFields()).isEqualTo(window.differingFields());
        assertThat(read.newLatencyNanos()).isEqualTo(window.newLatencyNanos());
        assertThat(read.legacyFailures()).isEqualTo(window.legacyFailures());
        ReadinessBar bar = new ReadinessBar(0.95, 50, 3, 0.1, Duration.ofMillis(7), 0.01);
        assertThat(ShadowJson.readBar(JSON.readTree(JSON.writeValueAsString(ShadowJson.bar(bar)))))
                .isEqualTo(bar);
    }

    @Test
    void aBrokenWindowIsRefusedNamingWhatIsWrong() throws Exception {
        String text = JSON.writeValueAsString(ShadowJson.window(replica(1, 0, 10)))
                .replace("\"observed\":1", "\"observed\":-1");
        assertThatThrownBy(() -> ShadowJson.readWindow(JSON.readTree(text)))
                .hasMessage("shadow report: 'observed' is missing or wrong (expected: a whole number >= 0)");
    }
}
