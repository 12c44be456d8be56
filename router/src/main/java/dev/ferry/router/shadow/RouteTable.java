package dev.ferry.router.shadow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The routes whose answers are compared, each with its {@link CompareRules}: a request path becomes its route template
 * ({@code /orders/123} → {@code GET /orders/{id}}), or {@link Route#OTHER}. When several templates match, the one with
 * a literal segment where the others have a variable wins, comparing from the left ({@code /orders/export} beats
 * {@code /orders/{id}}).
 */
public final class RouteTable {
    /** Templates made for paths no rule names, at most; past them such paths count as {@link Route#OTHER}. */
    public static final int MAX_DERIVED_ROUTES = 200;

    private static final java.util.regex.Pattern DIGIT = java.util.regex.Pattern.compile(".*[0-9].*");
    private static final int LONG_SEGMENT = 24;

    private final Map<Route, CompareRules> rules;
    private final List<Route> bySpecificity;
    private final Set<Route> derived = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final CompareRules fallback;

    private RouteTable(Map<Route, CompareRules> rules, CompareRules fallback) {
        this.rules = rules;
        this.fallback = fallback;
        this.bySpecificity = rules.keySet().stream()
                .sorted(Comparator.comparing(Route::segments, RouteTable::literalFirst))
                .toList();
    }

    /** A table of the given routes' rules; a route given twice is refused. */
    public static RouteTable of(List<CompareRules> routeRules) {
        return of(routeRules, CompareRules.defaults(Route.OTHER));
    }

    /**
     * A table of the given routes' rules, and {@code fallback} for every other route (built with {@link
     * CompareRules#builderForOtherRoutes}).
     */
    public static RouteTable of(List<CompareRules> routeRules, CompareRules fallback) {
        Map<Route, CompareRules> byRoute = new LinkedHashMap<>();
        Set<String> duplicates = new HashSet<>();
        for (CompareRules r : routeRules) {
            if (r.route().equals(Route.OTHER)) {
                throw new IllegalArgumentException("shadow rule 'other' (expected: rules for a route template; "
                        + "requests no template matches are compared with the default rules)");
            }
            if (byRoute.putIfAbsent(r.route(), r) != null) {
                duplicates.add(r.route().name());
            }
        }
        if (!duplicates.isEmpty()) {
            throw new IllegalArgumentException("shadow rules given twice for " + new java.util.TreeSet<>(duplicates)
                    + " (expected: one rule per route)");
        }
        return new RouteTable(byRoute, fallback);
    }

    /**
     * The route of a request; its query string, if any, is ignored. A path no template matches gets a template of its
     * own, so that the routes a tenant really uses are counted apart: a segment with a digit in it, or longer than 24
     * characters, stands for an id ({@code /invoices/INV-7/pdf} is {@code GET /invoices/{id}/pdf}). At most {@link
     * #MAX_DERIVED_ROUTES} are made; past them such paths are {@link Route#OTHER}.
     */
    public Route route(String method, String pathAndQuery) {
        int query = pathAndQuery.indexOf('?');
        List<String> segments = Route.segments(query < 0 ? pathAndQuery : pathAndQuery.substring(0, query));
        String upper = method.toUpperCase(Locale.ROOT);
        for (Route route : bySpecificity) {
            if (route.matches(upper, segments)) {
                return route;
            }
        }
        return derive(upper, segments);
    }

    /** The declared route (from the rules) a request matches, or null: none is derived. */
    public Route declared(String method, String pathAndQuery) {
        int query = pathAndQuery.indexOf('?');
        List<String> segments = Route.segments(query < 0 ? pathAndQuery : pathAndQuery.substring(0, query));
        String upper = method.toUpperCase(Locale.ROOT);
        for (Route route : bySpecificity) {
            if (route.matches(upper, segments)) {
                return route;
            }
        }
        return null;
    }

    private Route derive(String method, List<String> segments) {
        StringBuilder template = new StringBuilder();
        for (String segment : segments) {
            template.append('/')
                    .append(DIGIT.matcher(segment).matches() || segment.length() > LONG_SEGMENT ? "{id}" : segment);
        }
        Route route;
        try {
            route = new Route(method, template.isEmpty() ? "/" : template.toString());
        } catch (IllegalArgumentException e) {
            return Route.OTHER; // a segment no template could name
        }
        if (derived.contains(route)) {
            return route;
        }
        if (derived.size() >= MAX_DERIVED_ROUTES) {
            return Route.OTHER;
        }
        derived.add(route);
        return route;
    }

    /** The rules of a route: its own, or the fallback's (the defaults unless given) for any route not in the table. */
    public CompareRules rules(Route route) {
        CompareRules own = rules.get(route);
        return own != null ? own : fallback.forRoute(route);
    }

    /** The routes in the table, in the order given. */
    public List<Route> routes() {
        return new ArrayList<>(rules.keySet());
    }

    private static int literalFirst(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int order = Boolean.compare(Route.isVariable(a.get(i)), Route.isVariable(b.get(i)));
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
