package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.config.TenantConfig;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Every configured source ({@code tenant.sources}), asked in order. Every source that names a tenant must name the
 * same one, else {@code TENANT_AMBIGUOUS}; a source that fails fails the request. Whether a request that names no
 * tenant is refused or sent to legacy ({@code tenant.when-missing}) is the caller's decision.
 *
 * <p>Build once at startup (the JWT source loads its JWKS then), {@link #close()} at shutdown.
 */
public final class TenantResolvers implements AutoCloseable {
    private final TenantResolver[] resolvers;
    private final String[] names;
    private final PathTenantResolver stripping;
    private final JwtTenantResolver jwt;

    /** @throws IllegalArgumentException when the JWT source is listed but cannot be built */
    public TenantResolvers(TenantConfig config, TenantIdRules rules) {
        requireNonNull(config, "config");
        requireNonNull(rules, "rules");
        int count = config.sources().size();
        this.resolvers = new TenantResolver[count];
        this.names = new String[count];
        PathTenantResolver path = null;
        JwtTenantResolver token = null;
        for (int i = 0; i < count; i++) {
            TenantConfig.Source source = config.sources().get(i);
            switch (source) {
                case HEADER -> {
                    resolvers[i] = new HeaderTenantResolver(config.header(), rules);
                    names[i] = "header '" + config.header() + "'";
                }
                case HOST -> {
                    resolvers[i] = new HostTenantResolver(config.hostDomain(), rules);
                    names[i] = "header 'Host'";
                }
                case PATH -> {
                    path = path != null ? path : new PathTenantResolver(config.pathPrefix(), rules);
                    resolvers[i] = path;
                    names[i] = "path prefix '" + config.pathPrefix() + "'";
                }
                case JWT -> {
                    token = token != null ? token : new JwtTenantResolver(config.jwt(), rules);
                    resolvers[i] = token;
                    names[i] = "claim '" + config.jwt().claim() + "' of the bearer token";
                }
            }
        }
        this.stripping = config.stripPathPrefix() ? path : null;
        this.jwt = token;
    }

    /**
     * @param headers the request headers, as received
     * @param uri the request target, as received
     * @throws ProxyException when a source finds an invalid tenant, or two sources name different tenants
     */
    public TenantResolution resolve(HttpHeaders headers, String uri) {
        TenantId found = null;
        int foundBy = -1;
        boolean byPath = false;
        for (int i = 0; i < resolvers.length; i++) {
            TenantId tenant = resolvers[i].resolve(headers, uri);
            if (tenant == null) {
                continue;
            }
            if (found == null) {
                found = tenant;
                foundBy = i;
            } else if (!found.equals(tenant)) {
                throw disagreement(foundBy, found, i, tenant);
            }
            byPath |= resolvers[i] == stripping;
        }
        return new TenantResolution(found, byPath ? stripping.strip(uri) : uri);
    }

    /** The configured sources, for a message: {@code header 'X-Tenant-Id' or claim 'tenant_id' of the bearer token}. */
    public String describeSources() {
        return String.join(" or ", names);
    }

    @Override
    public void close() {
        if (jwt != null) {
            jwt.close();
        }
    }

    private ProxyException disagreement(int first, TenantId firstTenant, int second, TenantId secondTenant) {
        return new ProxyException(
                ProxyFailure.TENANT_AMBIGUOUS,
                "tenant sources disagree: " + names[first] + " names '" + TenantIdRules.printable(firstTenant.value())
                        + "', " + names[second] + " names '" + TenantIdRules.printable(secondTenant.value())
                        + "' (expected: every source that names a tenant to name the same one)");
    }
}
