package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A place in a JSON document, as a list of segments. A difference has an exact path ({@code items[3].price}, or {@code
 * items[id=42].price} in an array matched by key) and an aggregated one, array positions replaced by {@code [*]}
 * ({@code items[*].price}), by which differences are counted. Rules are written in the aggregated form, in either of
 * two syntaxes read by {@link #parse}.
 */
public record JsonPath(List<Segment> segments) {
    /** The whole document, written {@code $}. */
    public static final JsonPath ROOT = new JsonPath(List.of());

    static final String EXPECTED = "expected: a dotted path such as meta.requestId or items[*].updatedAt, "
            + "or a JSON Pointer such as /meta/requestId or /items/*/updatedAt";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    /** One step into a document. */
    public sealed interface Segment permits Key, Index, Keyed, AnyElement {}

    /** A member of an object. */
    public record Key(String name) implements Segment {
        public Key {
            requireNonNull(name, "name");
        }
    }

    /** An array element by position. */
    public record Index(int position) implements Segment {}

    /** An array element matched by the value of its key field. */
    public record Keyed(String field, String value) implements Segment {}

    /** Any element of an array. */
    public record AnyElement() implements Segment {}

    public JsonPath {
        segments = List.copyOf(segments);
    }

    /**
     * Reads a rule's path. Dotted: names of {@code [A-Za-z0-9_-]}, separated by dots, {@code [*]} after a name (or at
     * the start) for every element of an array, an optional leading {@code $.}; {@code $} alone is the whole document.
     * JSON Pointer (RFC 6901): starts with {@code /}, {@code ~1} and {@code ~0} escape {@code /} and {@code ~}, a
     * segment {@code *} is every element of an array. A position ({@code [0]}) is not accepted: rules apply to every
     * element.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public static JsonPath parse(String text) {
        requireNonNull(text, "text");
        if (text.equals("$")) {
            return ROOT;
        }
        if (text.startsWith("/")) {
            return pointer(text);
        }
        String dotted = text.startsWith("$.") ? text.substring(2) : text.startsWith("$[") ? text.substring(1) : text;
        return dotted(text, dotted);
    }

    private static JsonPath pointer(String text) {
        List<Segment> segments = new ArrayList<>();
        for (String raw : text.substring(1).split("/", -1)) {
            require(!raw.isEmpty(), text, "an empty segment");
            require(!raw.matches(".*~([^01]|$).*"), text, "a '~' not followed by 0 or 1");
            segments.add(
                    raw.equals("*")
                            ? new AnyElement()
                            : new Key(raw.replace("~1", "/").replace("~0", "~")));
        }
        return new JsonPath(segments);
    }

    private static JsonPath dotted(String text, String dotted) {
        require(!dotted.isEmpty(), text, text.isEmpty() ? "empty" : "nothing after '$'");
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        boolean expectName = !dotted.startsWith("[");
        while (i < dotted.length()) {
            if (dotted.startsWith("[", i)) {
                require(dotted.startsWith("[*]", i), text, "a bracket other than [*] at position " + i);
                segments.add(new AnyElement());
                i += 3;
                expectName = false;
            } else if (expectName) {
                int end = i;
                while (end < dotted.length() && dotted.charAt(end) != '.' && dotted.charAt(end) != '[') {
                    end++;
                }
                String name = dotted.substring(i, end);
                require(!name.isEmpty(), text, "an empty name at position " + i);
                require(NAME.matcher(name).matches(), text, "a name not of [A-Za-z0-9_-] at position " + i);
                segments.add(new Key(name));
                i = end;
                expectName = false;
            } else {
                require(dotted.charAt(i) == '.' && i + 1 < dotted.length(), text, "a '.' with no name after it");
                i++;
                expectName = true;
            }
        }
        return new JsonPath(segments);
    }

    private static void require(boolean condition, String text, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("'" + text + "' is not a path: " + problem + " (" + EXPECTED + ")");
        }
    }

    JsonPath key(String name) {
        return with(new Key(name));
    }

    JsonPath index(int position) {
        return with(new Index(position));
    }

    JsonPath keyed(String field, String value) {
        return with(new Keyed(field, value));
    }

    /** The same path with every array position replaced by {@code [*]}. */
    public JsonPath aggregate() {
        return new JsonPath(segments.stream()
                .map(s -> s instanceof Index || s instanceof Keyed ? new AnyElement() : s)
                .toList());
    }

    /** Whether this path is {@code prefix} or lies under it. */
    public boolean startsWith(JsonPath prefix) {
        return segments.size() >= prefix.segments.size()
                && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
    }

    JsonPath with(Segment segment) {
        List<Segment> longer = new ArrayList<>(segments);
        longer.add(segment);
        return new JsonPath(longer);
    }

    /** {@code $} for the root, else {@code items[*].price}; a name that is not [A-Za-z0-9_-] is quoted: {@code ["a.b"]}. */
    @Override
    public String toString() {
        if (segments.isEmpty()) {
            return "$";
        }
        StringBuilder text = new StringBuilder();
        for (Segment segment : segments) {
            if (segment instanceof Key k && NAME.matcher(k.name()).matches()) {
                text.append(text.isEmpty() ? "" : ".").append(k.name());
            } else if (segment instanceof Key k) {
                text.append("[\"").append(k.name().replace("\"", "\\\"")).append("\"]");
            } else if (segment instanceof Index x) {
                text.append('[').append(x.position()).append(']');
            } else if (segment instanceof Keyed k) {
                text.append('[').append(k.field()).append('=').append(k.value()).append(']');
            } else {
                text.append("[*]");
            }
        }
        return text.toString();
    }
}
