package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The tenant named by the first path segment after a prefix ({@code tenant.path-prefix}, {@code /t/} by default):
 * {@code /t/acme/orders?x=1} names {@code acme}, and {@link #strip} turns it into {@code /orders?x=1}.
 *
 * <p>The router reads the path as received, but a backend may normalise it first, so a path must not mean one tenant
 * here and another (or none) there: {@code /t/acme/../globex}, {@code /x/..%2ft/acme}. Such a path is refused with
 * {@code TENANT_INVALID} when it <em>may name the prefix</em>, and this check is deliberately strict:
 *
 * <ul>
 *   <li>A path may name the prefix when any of its segments equals the prefix's first segment ({@code t}), ignoring
 *       case, ignoring {@code ;parameters}, treating {@code \} as a separator and after percent-decoding (up to three
 *       times). So {@code /a/T;x/b} is checked although it names no tenant; paths that never mention {@code t} are not.
 *   <li>Such a path is refused when it holds a {@code .} or {@code ..} segment (also as {@code ..;x}), an empty
 *       segment ({@code //}), a backslash, or a percent-encoded {@code .}, {@code /}, {@code \} or {@code %}
 *       ({@code %2e %2f %5c %25}, any case) anywhere, even after the tenant segment.
 *   <li>A path that names the prefix only once percent-decoded ({@code /%74/acme}) is refused too; one that differs in
 *       case ({@code /T/acme}) names no tenant.
 *   <li>{@code /t/} or {@code /t} with no tenant segment is {@code TENANT_INVALID}.
 * </ul>
 *
 * <p>An absolute-form target ({@code http://host/t/acme}) is read from its path; {@code *} and authority-form targets
 * name no tenant.
 */
public final class PathTenantResolver implements TenantResolver {
    private final String prefix;
    private final String bare;
    private final String segment;
    private final String where;
    private final String expectedClean;
    private final TenantIdRules rules;

    /** @param prefix a path that starts and ends with {@code /}, such as {@code /t/} */
    public PathTenantResolver(String prefix, TenantIdRules rules) {
        requireNonNull(prefix, "prefix");
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("tenant.path-prefix: '" + prefix
                    + "' (expected: a path that starts and ends with '/', such as /t/)");
        }
        this.prefix = prefix;
        this.bare = prefix.substring(0, prefix.length() - 1);
        int firstSegmentEnd = prefix.indexOf('/', 1);
        this.segment = firstSegmentEnd < 0 ? "" : prefix.substring(1, firstSegmentEnd);
        this.where = "path prefix '" + prefix + "'";
        this.expectedClean =
                " (expected: no dot segments or encoded separators in a path that may name prefix '" + prefix + "')";
        this.rules = requireNonNull(rules, "rules");
    }

    @Override
    public TenantId resolve(HttpHeaders headers, String uri) {
        int start = pathStart(uri);
        if (start < 0) {
            return null;
        }
        String path = uri.substring(start, pathEnd(uri, start));
        String decoded = path.indexOf('%') < 0 ? path : PathText.decode(path);
        if (!mayNamePrefix(decoded)) {
            return null;
        }
        String problem = PathText.ambiguity(path);
        if (problem != null) {
            throw invalid(path, "has " + problem + expectedClean);
        }
        if (!path.startsWith(prefix)) {
            if (path.equals(bare)) {
                throw noTenant(path);
            }
            if (decoded.startsWith(prefix)) {
                throw invalid(
                        path,
                        "names " + where + " only once percent-decoded"
                                + " (expected: the prefix and the tenant without percent-encoding)");
            }
            return null;
        }
        int tenantEnd = path.indexOf('/', prefix.length());
        if (tenantEnd < 0) {
            tenantEnd = path.length();
        }
        if (tenantEnd == prefix.length()) {
            throw noTenant(path);
        }
        return rules.parse(path.substring(prefix.length(), tenantEnd), where);
    }

    /**
     * The uri without {@code /t/{tenant}}: {@code /t/acme/orders?x=1} → {@code /orders?x=1}, {@code /t/acme} →
     * {@code /}, {@code /t/acme?x} → {@code /?x}. A uri whose path does not start with the prefix is returned as is.
     */
    public String strip(String uri) {
        int start = pathStart(uri);
        if (start < 0 || !uri.startsWith(prefix, start)) {
            return uri;
        }
        int tenantEnd = PathText.indexOfAny(uri, start + prefix.length(), "/?#");
        boolean slash = tenantEnd < uri.length() && uri.charAt(tenantEnd) == '/';
        return uri.substring(0, start) + (slash ? "" : "/") + uri.substring(tenantEnd);
    }

    private boolean mayNamePrefix(String decoded) {
        if (segment.isEmpty()) {
            return true;
        }
        int from = 0;
        for (int i = 0; i <= decoded.length(); i++) {
            if (i == decoded.length() || PathText.isSeparator(decoded.charAt(i))) {
                if (PathText.segmentNameEquals(decoded, from, i, segment)) {
                    return true;
                }
                from = i + 1;
            }
        }
        return false;
    }

    private ProxyException noTenant(String path) {
        return invalid(path, "names no tenant after " + where + " (expected: " + prefix + "{tenant}/...)");
    }

    private static ProxyException invalid(String path, String what) {
        return new ProxyException(ProxyFailure.TENANT_INVALID, "path '" + TenantIdRules.printable(path) + "' " + what);
    }

    /** Where the path starts: 0 for origin-form, after the authority for absolute-form, -1 when there is none. */
    private static int pathStart(String uri) {
        if (uri.startsWith("/")) {
            return 0;
        }
        int scheme = uri.indexOf("://");
        if (scheme <= 0) {
            return -1;
        }
        int authorityEnd = PathText.indexOfAny(uri, scheme + 3, "/?#");
        return authorityEnd < uri.length() && uri.charAt(authorityEnd) == '/' ? authorityEnd : -1;
    }

    private static int pathEnd(String uri, int start) {
        return PathText.indexOfAny(uri, start, "?#");
    }
}
