package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the answers of one route are compared: which headers (by default only {@code Content-Type}), which JSON paths
 * are ignored (with everything under them), which arrays are compared regardless of order, as multisets or by a key
 * field of their elements. Built with {@link #builder}, which reports every bad entry at once, naming the rule.
 */
public record CompareRules(Route route, List<String> headers, List<JsonPath> ignored, List<UnorderedArray> unordered) {

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9_-]+");

    /** An array, by its aggregated path, whose order does not matter; elements matched by {@code key} when given. */
    public record UnorderedArray(JsonPath path, Optional<String> key) {
        public UnorderedArray {
            requireNonNull(path, "path");
            requireNonNull(key, "key");
        }
    }

    public CompareRules {
        requireNonNull(route, "route");
        headers =
                headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().toList();
        ignored = List.copyOf(ignored);
        unordered = List.copyOf(unordered);
    }

    /** Compare the status, {@code Content-Type} and the whole body; no path ignored, every array ordered. */
    public static CompareRules defaults(Route route) {
        return new CompareRules(route, List.of("content-type"), List.of(), List.of());
    }

    /** Rules for every route that has none of its own ({@code defaults:} in the rules file). */
    public static Builder builderForOtherRoutes() {
        return new Builder("* other");
    }

    /** The same rules, for another route. */
    public CompareRules forRoute(Route other) {
        return new CompareRules(other, headers, ignored, unordered);
    }

    /** Rules for a route written as {@code "GET /orders/{id}"}. */
    public static Builder builder(String route) {
        return new Builder(route);
    }

    /** Whether a difference at this aggregated path is ignored. */
    public boolean ignores(JsonPath aggregated) {
        return ignored.stream().anyMatch(aggregated::startsWith);
    }

    /** The unordered rule of the array at this aggregated path, if any. */
    public Optional<UnorderedArray> unorderedAt(JsonPath aggregated) {
        return unordered.stream().filter(u -> u.path().equals(aggregated)).findFirst();
    }

    /** Collects a rule's entries; {@link #build} checks them all and names every bad one. */
    public static final class Builder {
        private final String route;
        private final List<String> headers = new ArrayList<>(List.of("content-type"));
        private final List<String> ignored = new ArrayList<>();
        private final List<String[]> unordered = new ArrayList<>();

        private Builder(String route) {
            this.route = requireNonNull(route, "route");
        }

        /** Compares this header too. */
        public Builder header(String name) {
            headers.add(requireNonNull(name, "name"));
            return this;
        }

        /** Compares only these headers (none when empty), instead of {@code Content-Type}. */
        public Builder onlyHeaders(List<String> names) {
            headers.clear();
            headers.addAll(names);
            return this;
        }

        /** Ignores differences at this path and under it. */
        public Builder ignore(String path) {
            ignored.add(requireNonNull(path, "path"));
            return this;
        }

        /** Compares the array at this path as a multiset. */
        public Builder unordered(String path) {
            unordered.add(new String[] {requireNonNull(path, "path"), null});
            return this;
        }

        /** Compares the array at this path element by element, matched by the value of {@code keyField}. */
        public Builder unorderedBy(String path, String keyField) {
            unordered.add(new String[] {requireNonNull(path, "path"), requireNonNull(keyField, "keyField")});
            return this;
        }

        /** @throws IllegalArgumentException listing every bad entry, each naming the rule and what was expected */
        public CompareRules build() {
            List<String> problems = new ArrayList<>();
            Route parsed = null;
            try {
                parsed = Route.parse(route);
            } catch (IllegalArgumentException e) {
                problems.add("shadow rule '" + route + "': " + e.getMessage());
            }
            for (String header : headers) {
                if (!TOKEN.matcher(header).matches()) {
                    problems.add(String.format(
                            "shadow rule '%s': header '%s' is not a header name (expected: letters, digits and "
                                    + "!#$%%&'*+.^_`|~-)",
                            route, header));
                }
            }
            List<JsonPath> ignoredPaths = paths("ignore", ignored, problems);
            List<UnorderedArray> arrays = new ArrayList<>();
            for (String[] entry : unordered) {
                path("unordered", entry[0], problems)
                        .ifPresent(p -> arrays.add(new UnorderedArray(p, Optional.ofNullable(entry[1]))));
                if (entry[1] != null && !FIELD.matcher(entry[1]).matches()) {
                    problems.add(String.format(
                            "shadow rule '%s': unordered '%s' key field '%s' is not valid (expected: the name of a "
                                    + "member of each element, of [A-Za-z0-9_-])",
                            route, entry[0], entry[1]));
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("\n", problems));
            }
            return new CompareRules(parsed, headers, ignoredPaths, arrays);
        }

        private List<JsonPath> paths(String what, List<String> texts, List<String> problems) {
            List<JsonPath> parsed = new ArrayList<>();
            texts.forEach(t -> path(what, t, problems).ifPresent(parsed::add));
            return parsed;
        }

        private Optional<JsonPath> path(String what, String text, List<String> problems) {
            try {
                return Optional.of(JsonPath.parse(text));
            } catch (IllegalArgumentException e) {
                problems.add("shadow rule '" + route + "': " + what + " " + e.getMessage());
                return Optional.empty();
            }
        }
    }
}
