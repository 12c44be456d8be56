package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;
import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the tenant of a request is read from, in order, and what a tenant id may look like.
 *
 * @param sources the sources, in the order they are asked; every source that finds a tenant must agree
 * @param header the header that names the tenant ({@code HEADER} source)
 * @param hostPattern {@code {tenant}.example.com}: the Host whose first label is the tenant ({@code HOST} source)
 * @param pathPrefix {@code /t/}: a path {@code /t/{tenant}/...} names the tenant ({@code PATH} source)
 * @param stripPathPrefix forward {@code /t/acme/orders} as {@code /orders}
 * @param jwt the bearer-token source ({@code JWT} source)
 * @param idPattern what a tenant id must match, whole
 * @param maxLength the longest tenant id accepted
 * @param whenMissing what a request that names no tenant gets
 * @param lowercase lower-case tenant ids from every source
 */
public record TenantConfig(
        List<Source> sources,
        String header,
        String hostPattern,
        String pathPrefix,
        boolean stripPathPrefix,
        JwtConfig jwt,
        Pattern idPattern,
        int maxLength,
        WhenMissing whenMissing,
        boolean lowercase) {

    /** With tenant ids lower-cased (the default). */
    public TenantConfig(
            List<Source> sources,
            String header,
            String hostPattern,
            String pathPrefix,
            boolean stripPathPrefix,
            JwtConfig jwt,
            Pattern idPattern,
            int maxLength,
            WhenMissing whenMissing) {
        this(sources, header, hostPattern, pathPrefix, stripPathPrefix, jwt, idPattern, maxLength, whenMissing, true);
    }

    public TenantConfig {
        sources = List.copyOf(sources);
        require(!sources.isEmpty(), "tenant.sources: empty (expected: one or more of header, host, path, jwt)");
        require(!header.isBlank(), "tenant.header: empty (expected: a header name such as X-Tenant-Id)");
        require(
                !sources.contains(Source.HOST) || hostPattern.startsWith("{tenant}."),
                "tenant.host-pattern: '%s' (expected: {tenant}.<domain>, such as {tenant}.example.com)",
                hostPattern);
        require(
                !sources.contains(Source.PATH)
                        || (pathPrefix.length() > 2 && pathPrefix.startsWith("/") && pathPrefix.endsWith("/")),
                "tenant.path-prefix: '%s' (expected: a path that starts and ends with '/', such as /t/)",
                pathPrefix);
        require(maxLength > 0 && maxLength <= 256, "tenant.max-length: %s (expected: 1 to 256)", maxLength);
        requireNonNull(jwt, "jwt");
        requireNonNull(idPattern, "idPattern");
        requireNonNull(whenMissing, "whenMissing");
    }

    /** The domain after {@code {tenant}.} in {@link #hostPattern()}, lower case: {@code example.com}. */
    public String hostDomain() {
        return hostPattern.substring("{tenant}.".length()).toLowerCase(Locale.ROOT);
    }

    public enum Source {
        HEADER,
        HOST,
        PATH,
        JWT
    }

    public enum WhenMissing {
        /** Answer 400 {@code tenant_missing}: the safe default, nothing is routed on a guess. */
        REJECT,
        /** Send requests without a tenant to legacy (for shared, tenant-less endpoints that only legacy serves). */
        LEGACY
    }

    /**
     * A tenant claim in a signed JWT from {@code Authorization: Bearer}. A claim is only used once the signature
     * verified against {@code hs256Secret} or a key from {@code jwks}, and the token is within its validity.
     *
     * @param claim the claim that holds the tenant id
     * @param hs256Secret the shared HMAC secret (at least 32 bytes), or empty
     * @param jwks a JWKS file path or an http(s) URL, or empty
     * @param issuer the required {@code iss}, or empty for any
     * @param audience the required {@code aud}, or empty for any
     * @param jwksRefresh how often a JWKS URL is fetched again
     */
    public record JwtConfig(
            String claim,
            String hs256Secret,
            String jwks,
            String issuer,
            String audience,
            java.time.Duration jwksRefresh) {

        public JwtConfig {
            require(!claim.isBlank(), "tenant.jwt.claim: empty (expected: a claim name such as tenant_id)");
            require(
                    hs256Secret.isEmpty() || hs256Secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 32,
                    "tenant.jwt.hs256-secret: *** (expected: at least 32 bytes, as HS256 requires)");
            requireNonNull(jwks, "jwks");
            requireNonNull(issuer, "issuer");
            requireNonNull(audience, "audience");
            require(jwksRefresh.toSeconds() >= 1, "tenant.jwt.jwks-refresh: %s (expected: 1s or more)", jwksRefresh);
        }

        public boolean configured() {
            return !hs256Secret.isEmpty() || !jwks.isEmpty();
        }
    }
}
