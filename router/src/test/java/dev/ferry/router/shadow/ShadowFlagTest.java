package dev.ferry.router.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShadowFlagTest {
    private static String document(boolean enabled, String strategies) {
        return """
                {"version":2,"features":[{"name":"ferry.shadow","enabled":%s,"strategies":[%s]}]}
                """
                .formatted(enabled, strategies);
    }

    private static String listing(String values) {
        return """
                {"name":"default","constraints":[{"contextName":"tenantId","operator":"IN","values":[%s],
                 "inverted":false,"caseInsensitive":false}],"parameters":{}}
                """
                .formatted(values);
    }

    @Test
    void listsTheTenantsOfItsInConstraints() {
        ShadowFlag flag = ShadowFlag.read(
                document(true, listing("\"acme\",\"globex\"") + "," + listing("\"initech\"")), "ferry.shadow");
        assertThat(flag.present()).isTrue();
        assertThat(flag.tenants()).containsExactlyInAnyOrder("acme", "globex", "initech");
        assertThat(flag.shadows("acme")).isTrue();
        assertThat(flag.shadows("umbrella")).isFalse();
        assertThat(flag.problems()).isEmpty();
    }

    @Test
    void aDisabledOrMissingFlagShadowsNobody() {
        assertThat(ShadowFlag.read(document(false, listing("\"acme\"")), "ferry.shadow")
                        .tenants())
                .isEmpty();
        ShadowFlag missing = ShadowFlag.read(document(true, listing("\"acme\"")), "other.flag");
        assertThat(missing.present()).isFalse();
        assertThat(missing.tenants()).isEmpty();
    }

    @Test
    void neverShadowsEveryoneByAccidentAndSaysWhy() {
        ShadowFlag noStrategy = ShadowFlag.read(document(true, ""), "ferry.shadow");
        assertThat(noStrategy.tenants()).isEmpty();
        assertThat(noStrategy.problems()).singleElement().asString().contains("enabled without strategies");

        String inverted = listing("\"acme\"").replace("\"inverted\":false", "\"inverted\":true");
        String rollout = "{\"name\":\"flexibleRollout\",\"constraints\":[],\"parameters\":{\"rollout\":\"50\"}}";
        ShadowFlag odd =
                ShadowFlag.read(document(true, inverted + "," + rollout + "," + listing("\"b\"")), "ferry.shadow");
        assertThat(odd.tenants()).containsExactly("b");
        assertThat(odd.problems()).hasSize(2).allSatisfy(p -> assertThat(p)
                .contains("is not one constraint 'tenantId IN [...]'"));
    }
}
