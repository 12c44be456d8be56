package dev.ferry.router.shadow;

import static dev.ferry.router.shadow.Answers.answer;
import static dev.ferry.router.shadow.Answers.json;
import static dev.ferry.router.shadow.Answers.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DifferTest {
    private final Differ differ = new Differ();
    private final CompareRules plain = CompareRules.builder("GET /orders/{id}").build();

    private Diff diff(String legacy, String candidate, CompareRules rules) {
        return differ.compare(json(q(legacy)), json(q(candidate)), rules);
    }

    private static List<String> listed(Diff diff) {
        return diff.differences().stream().map(Difference::toString).toList();
    }

    @Test
    void findsNoDifferenceBetweenEqualDocumentsWrittenDifferently() {
        Diff diff = diff("{'a':1,'b':[1,2],'c':{'d':'x'}}", "{ 'c': {'d':'x'}, 'b':[1, 2], 'a':1.0 }", plain);
        assertThat(diff.isMatch()).isTrue();
    }

    @Test
    void reportsAChangedFieldByItsPath() {
        Diff diff = diff("{'total':10,'currency':'EUR'}", "{'total':11,'currency':'EUR'}", plain);
        assertThat(listed(diff)).containsExactly("CHANGED total");
        assertThat(diff.fields()).containsExactly(new Field(Field.Part.JSON, "total"));
    }

    @Test
    void tellsMissingExtraAndTypeChangedApart() {
        Diff diff = diff("{'a':1,'b':'2','c':{}}", "{'b':2,'c':[],'d':null}", plain);
        assertThat(listed(diff))
                .containsExactly("MISSING_ON_NEW a", "TYPE_CHANGED b", "TYPE_CHANGED c", "EXTRA_ON_NEW d");
    }

    @Test
    void aggregatesArrayPositionsIntoOneField() {
        Diff diff = diff(
                "{'items':[{'price':1},{'price':2},{'price':3}]}",
                "{'items':[{'price':1},{'price':5},{'price':6}]}",
                plain);
        assertThat(listed(diff)).containsExactly("CHANGED items[1].price", "CHANGED items[2].price");
        assertThat(diff.fields()).extracting(Field::toString).containsExactly("items[*].price");
    }

    @Test
    void ignoresAnIgnoredTimestampWhereverItIs() {
        CompareRules rules = CompareRules.builder("GET /orders/{id}")
                .ignore("items[*].updatedAt")
                .ignore("/meta/requestId")
                .build();
        Diff diff = diff(
                "{'meta':{'requestId':'r1'},'items':[{'id':1,'updatedAt':'t1'}]}",
                "{'meta':{'requestId':'r2'},'items':[{'id':1,'updatedAt':'t2'}]}",
                rules);
        assertThat(diff.isMatch()).isTrue();
    }

    @Test
    void comparesReorderedArraysAsMultisetsOnlyWhenTheRuleSaysSo() {
        String legacy = "{'tags':['a','b','b','c']}";
        String candidate = "{'tags':['c','b','a','b']}";
        assertThat(diff(legacy, candidate, plain).isMatch()).isFalse();
        assertThat(diff(
                                legacy,
                                candidate,
                                CompareRules.builder("GET /a").unordered("tags").build())
                        .isMatch())
                .isTrue();
    }

    @Test
    void countsMultiplicityInAnUnorderedArray() {
        CompareRules rules = CompareRules.builder("GET /a").unordered("tags").build();
        Diff diff = diff("{'tags':['a','b','b']}", "{'tags':['b','a','a']}", rules);
        assertThat(listed(diff)).containsExactly("MISSING_ON_NEW tags[2]", "EXTRA_ON_NEW tags[2]");
        assertThat(diff.fields()).extracting(Field::toString).containsExactly("tags[*]");
    }

    @Test
    void appliesIgnoredPathsAndNestedUnorderedArraysInsideAnUnorderedArray() {
        CompareRules rules = CompareRules.builder("GET /a")
                .unordered("items")
                .unordered("items[*].tags")
                .ignore("items[*].updatedAt")
                .build();
        Diff diff = diff(
                "{'items':[{'id':1,'tags':['x','y'],'updatedAt':1},{'id':2,'tags':[],'updatedAt':1}]}",
                "{'items':[{'id':2,'tags':[],'updatedAt':9},{'updatedAt':9,'tags':['y','x'],'id':1}]}",
                rules);
        assertThat(diff.isMatch()).isTrue();
    }

    @Test
    void reportsTheChangedElementOfAKeyMatchedArrayByItsKey() {
        CompareRules rules =
                CompareRules.builder("GET /a").unorderedBy("items", "id").build();
        Diff diff = diff(
                "{'items':[{'id':7,'price':1},{'id':'x','price':2},{'id':9,'price':3}]}",
                "{'items':[{'id':9,'price':3},{'id':7,'price':4},{'id':'x','price':2},{'id':10,'price':0}]}",
                rules);
        assertThat(listed(diff)).containsExactly("CHANGED items[id=7].price", "EXTRA_ON_NEW items[id=10]");
        assertThat(diff.fields()).extracting(Field::toString).containsExactly("items[*].price", "items[*]");
    }

    @Test
    void fallsBackToAMultisetWhenKeysAreMissingOrRepeated() {
        CompareRules rules =
                CompareRules.builder("GET /a").unorderedBy("items", "id").build();
        Diff diff = diff("{'items':[{'id':1},{'id':1},{'n':2}]}", "{'items':[{'n':2},{'id':1},{'id':1}]}", rules);
        assertThat(diff.isMatch()).isTrue();
    }

    @Test
    void tellsAStatusClassMismatchFromAnotherStatusOfTheSameClass() {
        Diff otherClass = differ.compare(json(200, "{}"), json(404, "{'error':'x'}"), plain);
        Diff sameClass = differ.compare(json(200, "{}"), json(201, "{'id':1}"), plain);
        assertThat(listed(otherClass)).containsExactly("STATUS_CLASS status");
        assertThat(otherClass.statusClassMismatch()).isTrue();
        assertThat(listed(sameClass)).containsExactly("STATUS status");
        assertThat(sameClass.statusClassMismatch()).isFalse();
    }

    @Test
    void comparesOnlyTheRulesHeadersWhateverTheirCase() {
        Exchange legacy = Exchange.response(
                200,
                Map.of(
                        "Content-Type",
                        List.of("application/json; charset=UTF-8"),
                        "ETag",
                        List.of("\"1\""),
                        "Date",
                        List.of("Mon")),
                new byte[0],
                10,
                0);
        Exchange candidate = Exchange.response(
                200,
                Map.of(
                        "content-type",
                        List.of("application/json;charset=utf-8"),
                        "etag",
                        List.of("\"2\""),
                        "date",
                        List.of("Tue"),
                        "x-new",
                        List.of("1")),
                new byte[0],
                10,
                0);
        assertThat(differ.compare(legacy, candidate, plain).isMatch()).isTrue();
        CompareRules withEtag =
                CompareRules.builder("GET /a").header("ETag").header("X-New").build();
        assertThat(listed(differ.compare(legacy, candidate, withEtag)))
                .containsExactly("CHANGED etag", "EXTRA_ON_NEW x-new");
    }

    @Test
    void comparesBodiesThatAreNotJsonByteWise() {
        Exchange a = answer(200, "text/plain", "hello", 1);
        Diff same = differ.compare(a, answer(200, "text/plain", "hello", 2), plain);
        Diff other = differ.compare(a, answer(200, "text/plain", "hellO", 2), plain);
        Diff broken = differ.compare(json("{'a':1}"), json("{'a':1"), plain);
        assertThat(same.isMatch()).isTrue();
        assertThat(listed(other)).containsExactly("CHANGED body");
        assertThat(other.fields()).containsExactly(Field.BODY);
        assertThat(listed(broken)).containsExactly("CHANGED body");
    }

    @Test
    void comparesTruncatedBodiesByTheirKeptBytes() {
        Exchange legacy = Exchange.response(
                200,
                Map.of("Content-Type", List.of("application/json")),
                q("{'a':1,'b':2}").getBytes(),
                5,
                0);
        Exchange same = Exchange.response(
                200,
                Map.of("Content-Type", List.of("application/json")),
                q("{'a':1,'b':3}").getBytes(),
                5,
                0);
        assertThat(legacy.truncated()).isTrue();
        assertThat(legacy.body()).hasSize(5);
        assertThat(differ.compare(legacy, same, plain).isMatch()).isTrue();
    }

    @Test
    void reportsAFailureAndNothingElse() {
        Exchange timeout = Exchange.failure(ExchangeError.TIMEOUT, 5_000_000_000L);
        assertThat(listed(differ.compare(json("{}"), timeout, plain))).containsExactly("ERROR error");
        assertThat(differ.compare(timeout, Exchange.failure(ExchangeError.TIMEOUT, 1), plain)
                        .isMatch())
                .isTrue();
    }

    @Test
    void listsAtMostTheCapAndSaysSo() {
        StringBuilder legacy = new StringBuilder("[");
        StringBuilder candidate = new StringBuilder("[");
        for (int i = 0; i < Differ.MAX_DIFFERENCES + 50; i++) {
            legacy.append(i == 0 ? "" : ",").append(i);
            candidate.append(i == 0 ? "" : ",").append(-i - 1);
        }
        Diff diff = diff(legacy.append(']').toString(), candidate.append(']').toString(), plain);
        assertThat(diff.differences()).hasSize(Differ.MAX_DIFFERENCES);
        assertThat(diff.capped()).isTrue();
    }

    @Test
    void acceptsMediaTypesEndingInPlusJson() {
        assertThat(Differ.isJson("application/problem+json; charset=utf-8")).isTrue();
        assertThat(Differ.isJson("text/json")).isFalse();
    }
}
