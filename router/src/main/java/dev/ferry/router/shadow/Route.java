package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A route template, such as {@code GET /orders/{id}}: a method and a path whose segments are literal or a {@code
 * {variable}} standing for one non-empty segment. Statistics are kept per route, so their number is bounded by the
 * route table; a path no template matches is counted under {@link #OTHER}.
 */
public record Route(String method, String template) {
    /** Every request no template matches. */
    public static final Route OTHER = new Route("*", "other");

    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Pattern SEGMENT = Pattern.compile("\\{[A-Za-z][A-Za-z0-9_-]*}|[^/{}\\s]+");
    private static final String EXPECTED =
            "expected: a method and a path template such as 'GET /orders/{id}', segments literal or {name}";

    public Route {
        requireNonNull(method, "method");
        requireNonNull(template, "template");
        if (!(method.equals("*") && template.equals("other"))) {
            check(METHOD.matcher(method).matches(), method + " " + template);
            check(template.startsWith("/"), method + " " + template);
            check(segments(template).stream().allMatch(s -> SEGMENT.matcher(s).matches()), method + " " + template);
        }
    }

    /** Reads {@code "GET /orders/{id}"}. */
    public static Route parse(String text) {
        String trimmed = text.strip();
        int space = trimmed.indexOf(' ');
        check(space > 0, text);
        return new Route(
                trimmed.substring(0, space), trimmed.substring(space + 1).strip());
    }

    /** {@code GET /orders/{id}}, or {@code other}. */
    public String name() {
        return this.equals(OTHER) ? "other" : method + " " + template;
    }

    List<String> segments() {
        return segments(template);
    }

    boolean matches(String requestMethod, List<String> pathSegments) {
        List<String> own = segments();
        if (!method.equals(requestMethod) || own.size() != pathSegments.size()) {
            return false;
        }
        for (int i = 0; i < own.size(); i++) {
            if (!isVariable(own.get(i)) && !own.get(i).equals(pathSegments.get(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isVariable(String segment) {
        return segment.startsWith("{");
    }

    /** Path segments, empty ones dropped: {@code /orders//7/} is {@code [orders, 7]}. */
    static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/"))
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static void check(boolean condition, String text) {
        if (!condition) {
            throw new IllegalArgumentException("route '" + text + "' is not valid (" + EXPECTED + ")");
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
