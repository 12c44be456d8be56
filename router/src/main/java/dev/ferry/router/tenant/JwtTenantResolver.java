package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.router.config.TenantConfig.JwtConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The tenant named by a claim ({@code tenant.jwt.claim}) of a signed JWT in {@code Authorization: Bearer}.
 *
 * <ul>
 *   <li>No Authorization header, another scheme, or a bearer value that is not a JWT at all (an opaque token): no
 *       tenant here, other sources may still name one.
 *   <li>A JWT that is unsigned ({@code alg: none}), encrypted, or fails a check of {@link SignedJwtVerifier}, or whose
 *       claim is absent or not a string: {@code TENANT_TOKEN_INVALID} (401). A string claim that is not a valid tenant
 *       id: {@code TENANT_INVALID}, as from any source. A repeated Authorization header: {@code TENANT_AMBIGUOUS}.
 * </ul>
 *
 * <p>Never blocks: the JWKS is read from memory (see {@link RefreshingJwkSource}). A verified token's tenant is cached
 * by token (at most 10,000) until its {@code exp}, and at most {@code tenant.jwt.jwks-refresh} after it was verified;
 * any change of the JWKS clears the cache, so a key removed from the JWKS stops working at its next reload. Failures
 * are never cached. {@link #close()} stops the JWKS refresher.
 */
public final class JwtTenantResolver implements TenantResolver, AutoCloseable {
    private static final String AUTHORIZATION = "Authorization";
    private static final String BEARER = "Bearer ";
    private static final int CACHE_SIZE = 10_000;

    private final String claim;
    private final String where;
    private final TenantIdRules rules;
    private final Clock clock;
    private final long maxCacheMillis;
    private final Cache<String, Verified> verified;
    private final RefreshingJwkSource jwks;
    private final SignedJwtVerifier verifier;

    /** @throws IllegalArgumentException when neither a secret nor a JWKS is configured, or the JWKS cannot be loaded */
    public JwtTenantResolver(JwtConfig config, TenantIdRules rules) {
        this(config, rules, Clock.systemUTC());
    }

    /** @param clock what "now" is for {@code exp}, {@code nbf} and the cache */
    public JwtTenantResolver(JwtConfig config, TenantIdRules rules, Clock clock) {
        requireNonNull(config, "config");
        if (!config.configured()) {
            throw new IllegalArgumentException("tenant.jwt: neither hs256-secret nor jwks is set"
                    + " (expected: at least one of them when tenant.sources lists jwt)");
        }
        this.claim = config.claim();
        this.where = "claim '" + claim + "' of the bearer token";
        this.rules = requireNonNull(rules, "rules");
        this.clock = requireNonNull(clock, "clock");
        this.maxCacheMillis = config.jwksRefresh().toMillis();
        this.verified = Caffeine.newBuilder()
                .maximumSize(CACHE_SIZE)
                .expireAfter(Expiry.creating(this::timeToLive))
                .build();
        this.jwks = config.jwks().isEmpty()
                ? null
                : new RefreshingJwkSource(config.jwks(), config.jwksRefresh(), verified::invalidateAll);
        this.verifier = new SignedJwtVerifier(config.hs256Secret(), jwks, config.issuer(), config.audience(), clock);
    }

    @Override
    public TenantId resolve(HttpHeaders headers, String uri) {
        String token = bearerToken(headers);
        if (token == null) {
            return null;
        }
        Verified hit = verified.getIfPresent(token);
        if (hit != null && clock.millis() < hit.expiresAtMillis()) {
            return hit.tenant();
        }
        SignedJWT jwt = signedJwt(token);
        if (jwt == null) {
            return null;
        }
        JWTClaimsSet claims = verifier.verify(jwt);
        TenantId tenant = tenantOf(claims);
        remember(token, tenant, claims);
        return tenant;
    }

    @Override
    public void close() {
        if (jwks != null) {
            jwks.close();
        }
    }

    private static String bearerToken(HttpHeaders headers) {
        String authorization = HeaderValues.single(headers, AUTHORIZATION);
        if (authorization == null) {
            return null;
        }
        String value = HeaderValues.trim(authorization);
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = HeaderValues.trim(value.substring(BEARER.length()));
        return token.isEmpty() ? null : token;
    }

    /** @return the token as a signed JWT, or {@code null} when it is not a JWT at all */
    private static SignedJWT signedJwt(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return null;
        }
        if (jwt instanceof SignedJWT signed) {
            return signed;
        }
        if (jwt instanceof PlainJWT) {
            throw SignedJwtVerifier.rejected("is not signed (alg none) (expected: a signed JWT)", null);
        }
        throw SignedJwtVerifier.rejected("is encrypted (expected: a signed JWT, not a JWE)", null);
    }

    private TenantId tenantOf(JWTClaimsSet claims) {
        Object value = claims.getClaim(claim);
        if (value == null) {
            throw SignedJwtVerifier.rejected(
                    "has no claim '" + claim + "' (expected: the tenant id as a string)", null);
        }
        if (!(value instanceof String raw)) {
            throw SignedJwtVerifier.rejected(
                    "has claim '" + claim + "' as " + jsonType(value) + " (expected: a string)", null);
        }
        return rules.parse(raw, where);
    }

    private void remember(String token, TenantId tenant, JWTClaimsSet claims) {
        long now = clock.millis();
        long expiresAt = Math.min(claims.getExpirationTime().getTime(), now + maxCacheMillis);
        if (expiresAt > now) {
            verified.put(token, new Verified(tenant, expiresAt));
        }
    }

    private Duration timeToLive(String token, Verified entry) {
        return Duration.ofMillis(Math.max(0, entry.expiresAtMillis() - clock.millis()));
    }

    private static String jsonType(Object value) {
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof List) {
            return "an array";
        }
        return value instanceof Map ? "an object" : "a " + value.getClass().getSimpleName();
    }

    /** A verified token's tenant, good until {@code expiresAtMillis} (epoch millis). */
    private record Verified(TenantId tenant, long expiresAtMillis) {}
}
