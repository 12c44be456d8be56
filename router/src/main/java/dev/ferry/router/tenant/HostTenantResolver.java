package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;

/**
 * The tenant named by the first label of the Host ({@code tenant.host-pattern} {@code {tenant}.example.com}):
 * {@code acme.example.com:8443} names {@code acme}.
 *
 * <p>The Host is compared without its port, case-insensitively and ignoring a trailing dot (all three name the same
 * host in DNS). A Host that is the domain itself, another domain or an IP literal names no tenant. Exactly one label
 * must stand before the domain: {@code a.b.example.com} is {@code TENANT_INVALID} rather than a guess at which label
 * was meant. A repeated Host header is {@code TENANT_AMBIGUOUS}.
 */
public final class HostTenantResolver implements TenantResolver {
    private static final String HOST = "Host";
    private static final String WHERE = "header 'Host'";

    private final String domain;
    private final TenantIdRules rules;

    /** @param domain the part after {@code {tenant}.}, as {@code TenantConfig.hostDomain()} gives it */
    public HostTenantResolver(String domain, TenantIdRules rules) {
        this.domain = requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        this.rules = requireNonNull(rules, "rules");
    }

    @Override
    public TenantId resolve(HttpHeaders headers, String uri) {
        String raw = HeaderValues.single(headers, HOST);
        if (raw == null) {
            return null;
        }
        String host = HeaderValues.trim(raw);
        int end = hostEnd(host);
        int labelEnd = end - domain.length() - 1;
        if (labelEnd < 0
                || host.charAt(labelEnd) != '.'
                || !host.regionMatches(true, labelEnd + 1, domain, 0, domain.length())) {
            return null;
        }
        if (labelEnd == 0 || host.lastIndexOf('.', labelEnd - 1) >= 0) {
            throw new ProxyException(
                    ProxyFailure.TENANT_INVALID,
                    "host '" + TenantIdRules.printable(host) + "' does not have exactly one label before '" + domain
                            + "' (expected: {tenant}." + domain + ")");
        }
        return rules.parse(host.substring(0, labelEnd).toLowerCase(Locale.ROOT), WHERE);
    }

    /** Where the host name ends: before {@code :port} and a trailing dot; 0 for an IP-literal such as {@code [::1]}. */
    private static int hostEnd(String host) {
        if (host.startsWith("[")) {
            return 0;
        }
        int colon = host.lastIndexOf(':');
        int end = colon >= 0 ? colon : host.length();
        return end > 0 && host.charAt(end - 1) == '.' ? end - 1 : end;
    }
}
