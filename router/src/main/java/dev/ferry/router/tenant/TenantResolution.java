package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

/**
 * What {@link TenantResolvers} found in a request.
 *
 * @param tenant the tenant the request names, or {@code null} when no source names one ({@code tenant.when-missing}
 *     then decides)
 * @param uri the uri to forward: without {@code /t/{tenant}} when the path named the tenant and
 *     {@code tenant.strip-path-prefix} is on, else the uri as received
 */
public record TenantResolution(TenantId tenant, String uri) {
    public TenantResolution {
        requireNonNull(uri, "uri");
    }
}
