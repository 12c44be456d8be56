package dev.ferry.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientFeaturesTest {
    /** Where a broken part of the routing flag is reported. */
    private static final String FLAG = "features[0] ('route-tenant-to-new')";

    private static final String STRATEGY = "\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"100\"}";
    private static final String CONSTRAINT = "\"contextName\":\"tenantId\",\"operator\":\"IN\",\"values\":[\"acme\"]";

    @Test
    void findsNoProblemInADocumentAnUnleashServerServed() {
        assertThat(ClientFeatures.problems(resource("/unleash/client-features-8.2.0.json")))
                .isEmpty();
    }

    @Test
    void findsNoProblemInAMinimalDocument() {
        assertThat(ClientFeatures.problems("{\"version\":2,\"features\":[]}")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\"features\":[]}                 | missing",
                "{\"version\":\"2\",\"features\":[]} | \"2\"",
                "{\"version\":0,\"features\":[]}   | 0",
                "{\"version\":2.5,\"features\":[]} | 2.5"
            })
    void refusesADocumentWithoutAWholePositiveVersion(String json, String shown) {
        assertThat(ClientFeatures.problems(json))
                .containsExactly("'version' is " + shown
                        + " (expected: 2, as in GET /api/client/features; without it Unleash ignores the whole file)");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"[]", "[{\"version\":2,\"features\":[]}]", "\"version\"", "2"})
    void refusesADocumentThatIsNotAnObject(String json) {
        assertThat(ClientFeatures.problems(json))
                .containsExactly("the document is not a JSON object (expected: {\"version\": 2, \"features\": [...]},"
                        + " the body of GET /api/client/features)");
    }

    @Test
    void refusesMalformedJsonNamingLineAndColumn() {
        String json = """
                {"version": 2,
                 "features": tru}
                """;

        assertThat(ClientFeatures.problems(json))
                .containsExactly("not valid JSON at line 2, column 17: Unrecognized token 'tru': was expecting (JSON"
                        + " String, Number, Array, Object or token 'null', 'true' or 'false')");
    }

    @Test
    void refusesADocumentWithoutAListOfFeatures() {
        assertThat(ClientFeatures.problems("{\"version\":2,\"features\":{}}"))
                .containsExactly("'features' is not a list (expected: a list of flags)");
        assertThat(ClientFeatures.problems("{\"version\":2}"))
                .containsExactly("'features' is missing (expected: a list of flags)");
    }

    @ParameterizedTest(name = "enabled: {0}")
    @CsvSource(
            delimiter = '|',
            value = {"\"true\"", "1", "null"})
    void refusesAnEnabledThatIsNotABoolean(String enabled) {
        String json = document("\"enabled\":" + enabled + ",\"strategies\":[]");

        assertThat(ClientFeatures.problems(json))
                .containsExactly(FLAG + ".enabled is " + enabled + " (expected: true or false)");
    }

    @Test
    void refusesAnUnknownOperator() {
        String json = strategy(STRATEGY + ",\"constraints\":[{" + CONSTRAINT.replace("\"IN\"", "\"EQUALS\"") + "}]");

        assertThat(ClientFeatures.problems(json))
                .containsExactly(
                        FLAG + ".strategies[0].constraints[0].operator is 'EQUALS' (expected: one of IN, NOT_IN,"
                                + " STR_*, NUM_*, DATE_*, SEMVER_*)");
    }

    @ParameterizedTest(name = "values: {0}")
    @CsvSource(
            delimiter = '|',
            value = {"[42] | 42", "[\"acme\",true] | true", "[{\"id\":\"acme\"}] | {\"id\":\"acme\"}"})
    void refusesAConstraintValueThatIsNotAString(String values, String shown) {
        String json = strategy(STRATEGY + ",\"constraints\":[{" + CONSTRAINT.replace("[\"acme\"]", values) + "}]");

        assertThat(ClientFeatures.problems(json))
                .containsExactly(FLAG + ".strategies[0].constraints[0].values has " + shown
                        + " (expected: strings only, such as \"acme\")");
    }

    @Test
    void refusesAParameterThatIsNotAString() {
        String json = strategy("\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":100,\"groupId\":\"g\"}");

        assertThat(ClientFeatures.problems(json))
                .containsExactly(
                        FLAG + ".strategies[0].parameters.rollout is 100 (expected: a string, such as \"100\")");
    }

    @Test
    void listsEveryProblemOfADocumentAtOnce() {
        String json =
                """
                {"features":[
                  {"name":"route-tenant-to-new","enabled":"yes","strategies":[{"name":"default",
                    "parameters":{"rollout":50},
                    "constraints":[{"operator":"IS","values":[1]}]}]},
                  {"enabled":false}
                ]}
                """;

        assertThat(ClientFeatures.problems(json))
                .containsExactly(
                        "'version' is missing (expected: 2, as in GET /api/client/features; without it Unleash"
                                + " ignores the whole file)",
                        FLAG + ".enabled is \"yes\" (expected: true or false)",
                        FLAG + ".strategies[0].parameters.rollout is 50 (expected: a string, such as \"100\")",
                        FLAG + ".strategies[0].constraints[0].contextName is missing (expected: a context field"
                                + " such as tenantId)",
                        FLAG + ".strategies[0].constraints[0].operator is 'IS' (expected: one of IN, NOT_IN, STR_*,"
                                + " NUM_*, DATE_*, SEMVER_*)",
                        FLAG + ".strategies[0].constraints[0].values has 1 (expected: strings only, such as \"acme\")",
                        "features[1].name is missing or not text (expected: the flag's name)",
                        "features[1].strategies is missing or not a list (expected: a list, possibly empty)");
    }

    @Test
    void takesTheRevisionFromTheServersMeta() {
        assertThat(ClientFeatures.revision(resource("/unleash/client-features-8.2.0.json")))
                .isEqualTo("162");
        assertThat(ClientFeatures.revision("{\"version\":2,\"features\":[],\"meta\":{\"revisionId\":\"r-7\"}}"))
                .isEqualTo("r-7");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"{\"version\":2,\"features\":[]}", "{\"version\":2,\"features\":[],\"meta\":{}}", "{not json"})
    void namesADocumentWithoutARevisionByADigestOfItsText(String json) {
        assertThat(ClientFeatures.revision(json))
                .isEqualTo("sha256:" + sha256(json).substring(0, 12));
    }

    @Test
    void givesDifferentDocumentsDifferentDigestRevisions() {
        assertThat(ClientFeatures.revision("{\"version\":2,\"features\":[]}"))
                .isNotEqualTo(ClientFeatures.revision("{\"version\":2,\"features\":[] }"));
    }

    /** A document holding only the routing flag, with these fields. */
    private static String document(String fields) {
        return "{\"version\":2,\"features\":[{\"name\":\"route-tenant-to-new\"," + fields + "}]}";
    }

    /** A document holding only the routing flag, enabled, with one strategy of these fields. */
    private static String strategy(String fields) {
        return document("\"enabled\":true,\"strategies\":[{" + fields + "}]");
    }

    private static String resource(String name) {
        try (InputStream in = ClientFeaturesTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
