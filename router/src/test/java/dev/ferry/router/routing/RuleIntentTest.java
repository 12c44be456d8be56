package dev.ferry.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.Backend;
import org.junit.jupiter.api.Test;

class RuleIntentTest {
    private static String flag(String constraints) {
        return """
                {"version": 2, "features": [{"name": "route", "enabled": true, "strategies": [{
                  "name": "flexibleRollout",
                  "parameters": {"rollout": "100", "stickiness": "tenantId", "groupId": "pilot"},
                  "constraints": [%s],
                  "variants": [{"name": "pilot", "weight": 1000, "stickiness": "tenantId",
                    "payload": {"type": "json", "value": "{\\"backend\\":\\"new\\",\\"rule\\":\\"pilot\\"}"}}]
                }]}]}
                """
                .formatted(constraints);
    }

    @Test
    void countsTheTenantsEveryListNamesForConstraintsAllMustHold() {
        String both =
                """
                {"contextName": "tenantId", "operator": "IN", "values": ["acme", "globex"]},
                {"contextName": "tenantId", "operator": "IN", "values": ["globex", "initech"]}""";

        assertThat(RuleIntent.of(flag(both), "route")).singleElement().satisfies(rule -> {
            assertThat(rule.tenants()).as("only globex is in both lists").isEqualTo(1);
            assertThat(rule.backend()).isEqualTo(Backend.NEW);
        });
    }

    @Test
    void countsOneListAsItsLength() {
        String one =
                """
                {"contextName": "tenantId", "operator": "IN", "values": ["acme", "globex", "initech"]}""";

        assertThat(RuleIntent.of(flag(one), "route")).singleElement().satisfies(rule -> assertThat(rule.tenants())
                .isEqualTo(3));
    }
}
