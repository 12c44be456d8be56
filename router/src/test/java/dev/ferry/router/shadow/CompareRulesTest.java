package dev.ferry.router.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CompareRulesTest {
    @ParameterizedTest(name = "{0} reads as {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "meta.requestId | meta.requestId",
                "$.meta.requestId | meta.requestId",
                "items[*].updatedAt | items[*].updatedAt",
                "[*].id | [*].id",
                "matrix[*][*] | matrix[*][*]",
                "$ | $",
                "/meta/requestId | meta.requestId",
                "/items/*/updatedAt | items[*].updatedAt",
                "/a~1b/c~0d | [\"a/b\"][\"c~d\"]"
            })
    void readsDottedPathsAndJsonPointers(String text, String canonical) {
        assertThat(JsonPath.parse(text).toString()).isEqualTo(canonical);
    }

    @Test
    void dottedAndPointerSyntaxesGiveTheSamePath() {
        assertThat(JsonPath.parse("/items/*/updatedAt")).isEqualTo(JsonPath.parse("items[*].updatedAt"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "items[*.updatedAt", "items[0].price", "meta..id", "meta.", ".meta", "a b", "/a//b", "/a~2"})
    void refusesAPathThatIsNeitherSyntax(String text) {
        assertThatThrownBy(() -> JsonPath.parse(text)).hasMessageEndingWith("(" + JsonPath.EXPECTED + ")");
    }

    @Test
    void namesTheRuleAndEveryBadEntryAtOnce() {
        assertThatThrownBy(() -> CompareRules.builder("GET /orders/{id}")
                        .ignore("items[*.updatedAt")
                        .unorderedBy("lines", "line id")
                        .header("X Bad")
                        .build())
                .hasMessageContaining(
                        "shadow rule 'GET /orders/{id}': ignore 'items[*.updatedAt' is not a path: a bracket other than [*] at "
                                + "position 5 (expected: a dotted path such as meta.requestId or items[*].updatedAt, or a JSON"
                                + " Pointer such as /meta/requestId or /items/*/updatedAt)")
                .hasMessageContaining("shadow rule 'GET /orders/{id}': unordered 'lines' key field 'line id' is not "
                        + "valid (expected: the name of a member of each element, of [A-Za-z0-9_-])")
                .hasMessageContaining("shadow rule 'GET /orders/{id}': header 'X Bad' is not a header name");
    }

    @Test
    void namesABadRouteInTheRule() {
        assertThatThrownBy(() -> CompareRules.builder("/orders/{id}").build())
                .hasMessageStartingWith("shadow rule '/orders/{id}': route '/orders/{id}' is not valid");
    }

    @Test
    void comparesContentTypeByDefaultAndLowerCasesHeaderNames() {
        CompareRules rules = CompareRules.builder("GET /a").header("ETag").build();
        assertThat(rules.headers()).containsExactly("content-type", "etag");
        assertThat(CompareRules.builder("GET /a")
                        .onlyHeaders(java.util.List.of())
                        .build()
                        .headers())
                .isEmpty();
    }

    @Test
    void ignoresEverythingUnderAnIgnoredPath() {
        CompareRules rules = CompareRules.builder("GET /a").ignore("meta").build();
        assertThat(rules.ignores(JsonPath.parse("meta.requestId"))).isTrue();
        assertThat(rules.ignores(JsonPath.parse("metadata"))).isFalse();
    }

    @Test
    void findsTheUnorderedRuleOfAnArray() {
        CompareRules rules = CompareRules.builder("GET /a")
                .unorderedBy("items", "id")
                .unordered("tags")
                .build();
        assertThat(rules.unorderedAt(JsonPath.parse("items")).flatMap(CompareRules.UnorderedArray::key))
                .isEqualTo(Optional.of("id"));
        assertThat(rules.unorderedAt(JsonPath.parse("tags"))).isPresent();
        assertThat(rules.unorderedAt(JsonPath.parse("other"))).isEmpty();
    }

    @Test
    void buildsTheRulesShownInTheDocs() {
        CompareRules rules = CompareRules.builder("GET /orders/{id}")
                .header("ETag")
                .ignore("meta.requestId")
                .ignore("/items/*/updatedAt")
                .unordered("tags")
                .unorderedBy("items", "id")
                .build();
        assertThat(rules.headers()).containsExactly("content-type", "etag");
        assertThat(rules.ignored())
                .extracting(JsonPath::toString)
                .containsExactly("meta.requestId", "items[*].updatedAt");
        assertThat(rules.unordered())
                .extracting(u -> u.path() + " " + u.key().orElse("-"))
                .containsExactly("tags -", "items id");
    }
}
