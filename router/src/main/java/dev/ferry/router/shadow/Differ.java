package dev.ferry.router.shadow;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.shadow.CompareRules.UnorderedArray;
import dev.ferry.router.shadow.Difference.Kind;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares legacy's answer with new's under a route's {@link CompareRules}. In order: failures (one side failed, or
 * they failed differently: nothing else is compared), the status (another class, or the same class and another code:
 * the bodies of different statuses are not compared), the rules' headers, then the body: JSON member by member when
 * both are JSON ({@code application/json} or {@code +json}), complete and parse; otherwise byte by byte. Identical bodies
 * are equal whatever the rules. Numbers are equal by value ({@code 1.0} is {@code 1}). Deterministic; no I/O.
 */
public final class Differ {
    /** At most this many differences are listed per diff; more set {@link Diff#capped}. */
    public static final int MAX_DIFFERENCES = 200;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The differences of {@code candidate} (new's answer) from {@code legacy}'s. */
    public Diff compare(Exchange legacy, Exchange candidate, CompareRules rules) {
        Collector found = new Collector();
        if (legacy.error() != candidate.error()) {
            found.add(Field.ERROR, "error", Kind.ERROR);
            return found.diff();
        }
        if (legacy.error() != ExchangeError.NONE) {
            return Diff.NONE;
        }
        if (legacy.status() != candidate.status()) {
            Kind kind = legacy.statusClass() != candidate.statusClass() ? Kind.STATUS_CLASS : Kind.STATUS;
            found.add(Field.STATUS, "status", kind);
        }
        rules.headers().forEach(name -> compareHeader(name, legacy, candidate, found));
        if (legacy.status() == candidate.status() && !legacy.sameBody(candidate)) {
            compareBody(legacy, candidate, rules, found);
        }
        return found.diff();
    }

    private static void compareHeader(String name, Exchange legacy, Exchange candidate, Collector found) {
        List<String> l = normalized(name, legacy.header(name));
        List<String> c = normalized(name, candidate.header(name));
        if (l.equals(c)) {
            return;
        }
        Kind kind = c.isEmpty() ? Kind.MISSING_ON_NEW : l.isEmpty() ? Kind.EXTRA_ON_NEW : Kind.CHANGED;
        found.add(Field.header(name), name, kind);
    }

    /** Values trimmed; a media type also in lower case without spaces ({@code application/json; charset=UTF-8}). */
    private static List<String> normalized(String name, List<String> values) {
        boolean mediaType = name.equals("content-type");
        return values.stream()
                .map(String::strip)
                .map(v -> mediaType ? v.toLowerCase(Locale.ROOT).replace(" ", "") : v)
                .toList();
    }

    private static void compareBody(Exchange legacy, Exchange candidate, CompareRules rules, Collector found) {
        Optional<JsonNode> l = json(legacy);
        Optional<JsonNode> c = json(candidate);
        if (l.isPresent() && c.isPresent()) {
            new JsonComparison(rules, found).compare(JsonPath.ROOT, l.get(), c.get());
        } else {
            found.add(Field.BODY, "body", Kind.CHANGED);
        }
    }

    private static Optional<JsonNode> json(Exchange exchange) {
        if (exchange.truncated() || !exchange.contentType().map(Differ::isJson).orElse(false)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(exchange.body());
            return node == null || node.isMissingNode() ? Optional.empty() : Optional.of(node);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static boolean isJson(String contentType) {
        String media = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json");
    }

    /** The walk of two JSON documents; differences in document order, members in name order. */
    private record JsonComparison(CompareRules rules, Collector found) {
        void compare(JsonPath at, JsonNode l, JsonNode c) {
            JsonPath aggregated = at.aggregate();
            if (rules.ignores(aggregated)) {
                return;
            }
            if (found.full()) {
                found.capped = true;
                return;
            }
            if (l.getNodeType() != c.getNodeType()) {
                found.add(Field.json(aggregated), at.toString(), Kind.TYPE_CHANGED);
            } else if (l.isObject()) {
                compareObjects(at, l, c);
            } else if (l.isArray()) {
                compareArrays(at, aggregated, l, c);
            } else if (!sameValue(l, c)) {
                found.add(Field.json(aggregated), at.toString(), Kind.CHANGED);
            }
        }

        private void compareObjects(JsonPath at, JsonNode l, JsonNode c) {
            TreeSet<String> names = new TreeSet<>();
            l.fieldNames().forEachRemaining(names::add);
            c.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                compareMember(at.key(name), l.get(name), c.get(name));
            }
        }

        private void compareMember(JsonPath at, JsonNode l, JsonNode c) {
            if (l != null && c != null) {
                compare(at, l, c);
            } else if (!rules.ignores(at.aggregate())) {
                found.add(
                        Field.json(at.aggregate()), at.toString(), l == null ? Kind.EXTRA_ON_NEW : Kind.MISSING_ON_NEW);
            }
        }

        private void compareArrays(JsonPath at, JsonPath aggregated, JsonNode l, JsonNode c) {
            Optional<UnorderedArray> unordered = rules.unorderedAt(aggregated);
            if (unordered.isEmpty()) {
                for (int i = 0; i < Math.max(l.size(), c.size()); i++) {
                    compareMember(at.index(i), l.get(i), c.get(i));
                }
                return;
            }
            Optional<Map<String, JsonNode>> lByKey = unordered.get().key().flatMap(k -> byKey(l, k));
            Optional<Map<String, JsonNode>> cByKey = unordered.get().key().flatMap(k -> byKey(c, k));
            if (lByKey.isPresent() && cByKey.isPresent()) {
                compareByKey(at, unordered.get().key().get(), lByKey.get(), cByKey.get());
            } else {
                compareAsMultisets(at, aggregated, l, c);
            }
        }

        private void compareByKey(JsonPath at, String key, Map<String, JsonNode> l, Map<String, JsonNode> c) {
            l.forEach((value, element) -> compareMember(at.keyed(key, value), element, c.get(value)));
            c.forEach((value, element) -> {
                if (!l.containsKey(value)) {
                    compareMember(at.keyed(key, value), null, element);
                }
            });
        }

        private void compareAsMultisets(JsonPath at, JsonPath aggregated, JsonNode l, JsonNode c) {
            JsonPath elements = aggregated.with(new JsonPath.AnyElement());
            Map<String, Deque<Integer>> unmatched = new HashMap<>();
            for (int i = 0; i < l.size(); i++) {
                unmatched
                        .computeIfAbsent(canonical(l.get(i), elements), k -> new ArrayDeque<>())
                        .add(i);
            }
            List<Integer> extra = new ArrayList<>();
            for (int j = 0; j < c.size(); j++) {
                Deque<Integer> same = unmatched.get(canonical(c.get(j), elements));
                if (same == null || same.isEmpty()) {
                    extra.add(j);
                } else {
                    same.poll();
                }
            }
            TreeSet<Integer> missing = new TreeSet<>();
            unmatched.values().forEach(missing::addAll);
            missing.forEach(i -> found.add(Field.json(elements), at.index(i).toString(), Kind.MISSING_ON_NEW));
            extra.forEach(j -> found.add(Field.json(elements), at.index(j).toString(), Kind.EXTRA_ON_NEW));
        }

        /** A text equal for two elements exactly when they compare equal under the rules. */
        private String canonical(JsonNode node, JsonPath aggregated) {
            if (rules.ignores(aggregated)) {
                return "_";
            }
            if (node.isObject()) {
                TreeMap<String, String> members = new TreeMap<>();
                node.fields().forEachRemaining(e -> {
                    JsonPath member = aggregated.key(e.getKey());
                    if (!rules.ignores(member)) {
                        members.put(JSON.valueToTree(e.getKey()).toString(), canonical(e.getValue(), member));
                    }
                });
                return "{"
                        + String.join(
                                ",",
                                members.entrySet().stream()
                                        .map(e -> e.getKey() + ":" + e.getValue())
                                        .toList())
                        + "}";
            }
            if (node.isArray()) {
                JsonPath elements = aggregated.with(new JsonPath.AnyElement());
                List<String> texts = new ArrayList<>();
                node.forEach(e -> texts.add(canonical(e, elements)));
                if (rules.unorderedAt(aggregated).isPresent()) {
                    texts.sort(null);
                }
                return "[" + String.join(",", texts) + "]";
            }
            return node.isNumber() ? node.decimalValue().stripTrailingZeros().toString() : node.toString();
        }

        /** Elements by the JSON text of their key's value; empty when one lacks it or two share it. */
        private static Optional<Map<String, JsonNode>> byKey(JsonNode array, String key) {
            Map<String, JsonNode> byKey = new LinkedHashMap<>();
            for (JsonNode element : array) {
                JsonNode value = element.get(key);
                if (value == null || value.isContainerNode() || byKey.putIfAbsent(keyText(value), element) != null) {
                    return Optional.empty();
                }
            }
            return Optional.of(byKey);
        }

        private static String keyText(JsonNode value) {
            return value.isTextual() ? value.textValue() : value.toString();
        }

        private static boolean sameValue(JsonNode l, JsonNode c) {
            return l.isNumber() ? l.decimalValue().compareTo(c.decimalValue()) == 0 : l.equals(c);
        }
    }

    /** Differences found so far, up to {@link #MAX_DIFFERENCES}; capped once the walk stopped there. */
    private static final class Collector {
        private final List<Difference> differences = new ArrayList<>();
        private boolean capped;

        void add(Field field, String at, Kind kind) {
            if (full()) {
                capped = true;
            } else {
                differences.add(new Difference(field, at, kind));
            }
        }

        boolean full() {
            return differences.size() >= MAX_DIFFERENCES;
        }

        Diff diff() {
            return new Diff(differences, capped);
        }
    }
}
