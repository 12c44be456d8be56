package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The tenant named by a header ({@code tenant.header}, {@code X-Tenant-Id} by default), trimmed of spaces and tabs.
 *
 * <p>The header must appear once and hold one value: a repeated header or a comma-separated list ({@code acme,
 * globex}, which RFC 9110 makes equivalent to a repeated header) is {@code TENANT_AMBIGUOUS}; an empty or malformed
 * value is {@code TENANT_INVALID}.
 */
public final class HeaderTenantResolver implements TenantResolver {
    private final String header;
    private final String where;
    private final TenantIdRules rules;

    public HeaderTenantResolver(String header, TenantIdRules rules) {
        this.header = requireNonNull(header, "header");
        this.where = "header '" + header + "'";
        this.rules = requireNonNull(rules, "rules");
    }

    @Override
    public TenantId resolve(HttpHeaders headers, String uri) {
        String raw = HeaderValues.single(headers, header);
        if (raw == null) {
            return null;
        }
        String value = HeaderValues.trim(raw);
        if (value.isEmpty()) {
            throw new ProxyException(ProxyFailure.TENANT_INVALID, where + " is empty (" + rules.expectation() + ")");
        }
        if (value.indexOf(',') >= 0) {
            throw new ProxyException(
                    ProxyFailure.TENANT_AMBIGUOUS,
                    where + " holds a list '" + TenantIdRules.printable(value) + "' (expected: exactly one tenant id)");
        }
        return rules.parse(value, where);
    }
}
