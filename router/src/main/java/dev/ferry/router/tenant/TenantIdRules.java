package dev.ferry.router.tenant;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import java.util.regex.Pattern;

/**
 * What a tenant id may look like (config {@code tenant.id-pattern}, {@code tenant.max-length}). Every source checks
 * its raw value here, so a value that could never be a tenant is refused with the same message wherever it came from.
 */
public final class TenantIdRules {
    private final Pattern pattern;
    private final int maxLength;
    private final String expectation;

    private final boolean lowercase;
    /** The default pattern, checked by hand: a regular expression costs more than the rest of the tenant step. */
    private static final String DEFAULT_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private final boolean fastDefault;

    public TenantIdRules(Pattern pattern, int maxLength) {
        this(pattern, maxLength, false);
    }

    /**
     * @param lowercase whether ids are lower-cased once valid ({@code tenant.lowercase}), so that every source names a
     *     tenant the same way: Unleash compares ids case-sensitively, and Host names are lower case anyway
     */
    public TenantIdRules(Pattern pattern, int maxLength, boolean lowercase) {
        this.fastDefault = pattern.pattern().equals(DEFAULT_PATTERN);
        this.pattern = pattern;
        this.maxLength = maxLength;
        this.lowercase = lowercase;
        this.expectation = "expected: 1-" + maxLength + " characters matching " + pattern.pattern();
    }

    /**
     * @param raw the value as the request carried it
     * @param where where it came from, for the message ("header 'X-Tenant-Id'")
     */
    public TenantId parse(String raw, String where) {
        if (raw.isEmpty() || raw.length() > maxLength || !(fastDefault ? matchesDefault(raw) : matches(raw))) {
            throw new ProxyException(
                    ProxyFailure.TENANT_INVALID,
                    "tenant id '" + printable(raw) + "' from " + where + " is not valid (" + expectation + ")");
        }
        return new TenantId(lowercase ? raw.toLowerCase(java.util.Locale.ROOT) : raw);
    }

    private boolean matches(String raw) {
        return pattern.matcher(raw).matches();
    }

    /** {@value #DEFAULT_PATTERN}, without a regular expression. */
    static boolean matchesDefault(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alphanumeric && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    public Pattern pattern() {
        return pattern;
    }

    public String expectation() {
        return expectation;
    }

    /** Echo at most 80 printable characters of client input back into a message or a log line. */
    public static String printable(String raw) {
        StringBuilder out = new StringBuilder(Math.min(raw.length(), 80) + 3);
        for (int i = 0; i < raw.length() && i < 80; i++) {
            char c = raw.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (raw.length() > 80) {
            out.append("...");
        }
        return out.toString();
    }
}
