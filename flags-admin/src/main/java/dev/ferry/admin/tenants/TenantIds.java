package dev.ferry.admin.tenants;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a tenant id may look like: the router's default rule ({@code tenant.id-pattern} {@code [A-Za-z0-9][A-Za-z0-9._-]*},
 * {@code tenant.max-length} 64, {@code tenant.lowercase} true). Ids are lower-cased first, because the router lower-cases
 * every id it sees and Unleash compares them case-sensitively: a list holding {@code ACME} would never match.
 */
public final class TenantIds {
    public static final int MAX_LENGTH = 64;
    public static final String EXPECTED =
            "expected: 1-" + MAX_LENGTH + " characters of [a-z0-9._-], starting with a letter or digit, as the router's"
                    + " default tenant.id-pattern; upper case is lower-cased";
    /** Messages listed at most, so that a file of 10,000 bad lines gives a readable error. */
    private static final int MAX_PROBLEMS = 20;

    private TenantIds() {}

    /**
     * @param where where the id came from, for the message ("argument 2", "tenants.txt:17")
     * @return the id, lower-cased
     * @throws BadInputException naming the id, where it came from and what was expected
     */
    public static String parse(String raw, String where) {
        String problem = problem(raw);
        if (problem != null) {
            throw new BadInputException(problem + " at " + where + " (" + EXPECTED + ")");
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    /** Several ids at once: every malformed one is reported, not just the first. Duplicates count once. */
    public static Set<String> parseAll(List<String> raw, String source) {
        Set<String> ids = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String problem = problem(raw.get(i));
            if (problem == null) {
                ids.add(raw.get(i).toLowerCase(Locale.ROOT));
            } else {
                problems.add(problem + " at " + source + " " + (i + 1));
            }
        }
        fail(problems);
        return ids;
    }

    /**
     * Ids from a file: one per line (or several, separated by spaces or commas); blank lines and {@code #} comments
     * are skipped. Every malformed id is reported with its line number.
     */
    public static Set<String> read(Reader in, String name) throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        BufferedReader lines = new BufferedReader(in);
        String line;
        int number = 0;
        while ((line = lines.readLine()) != null) {
            number++;
            int comment = line.indexOf('#');
            String content = comment >= 0 ? line.substring(0, comment) : line;
            for (String raw : content.split("[\\s,]+")) {
                if (raw.isEmpty()) {
                    continue;
                }
                String problem = problem(raw);
                if (problem == null) {
                    ids.add(raw.toLowerCase(Locale.ROOT));
                } else {
                    problems.add(problem + " at " + name + ":" + number);
                }
            }
        }
        fail(problems);
        if (ids.isEmpty()) {
            throw new BadInputException(name + " names no tenant (expected: tenant ids, one per line)");
        }
        return ids;
    }

    private static void fail(List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder();
        message.append(problems.size() == 1 ? "1 malformed tenant id" : problems.size() + " malformed tenant ids")
                .append(" (")
                .append(EXPECTED)
                .append("):");
        problems.stream().limit(MAX_PROBLEMS).forEach(p -> message.append("\n  ")
                .append(p));
        if (problems.size() > MAX_PROBLEMS) {
            message.append("\n  ... and ")
                    .append(problems.size() - MAX_PROBLEMS)
                    .append(" more");
        }
        throw new BadInputException(message.toString());
    }

    /** @return what is wrong with the id, or null when it is valid */
    private static String problem(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "empty tenant id";
        }
        if (raw.length() > MAX_LENGTH) {
            return "tenant id '" + printable(raw) + "' is " + raw.length() + " characters long";
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            // ASCII only, checked before lower-casing: Character.toLowerCase would turn the Kelvin sign into a 'k'
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alphanumeric && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
                return "tenant id '" + printable(raw) + "' is malformed";
            }
        }
        return null;
    }

    /** At most 80 printable characters of outside input, for a message. */
    static String printable(String raw) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < raw.length() && i < 80; i++) {
            char c = raw.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return raw.length() > 80 ? out + "..." : out.toString();
    }
}
