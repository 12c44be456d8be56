package dev.ferry.router.tenant;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a signed JWT as nimbus does it, and says which check failed: algorithm, key, signature, then {@code exp}
 * (required; 60 s of clock skew allowed), {@code nbf}, and {@code iss}/{@code aud} when configured. Every failure is a
 * {@link ProxyFailure#TENANT_TOKEN_INVALID} whose message never contains the token.
 *
 * <p>HS256 uses the shared secret whatever {@code kid} the token names (issuers often set one); RS256, ES256 and
 * PS256 use the JWKS key matching the token's {@code kid} (any key of the right type when it names none).
 */
final class SignedJwtVerifier {
    private static final JOSEObjectType ACCESS_TOKEN = new JOSEObjectType("at+jwt");
    private static final Set<JWSAlgorithm> JWKS_ALGORITHMS =
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256);

    private final String issuer;
    private final String audience;
    private final Clock clock;
    private final List<JWSAlgorithm> algorithms = new ArrayList<>();
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param hs256Secret the shared secret, or empty
     * @param jwks the JWKS keys, or {@code null}
     * @param issuer the required {@code iss}, or empty
     * @param audience the required {@code aud}, or empty
     */
    SignedJwtVerifier(
            String hs256Secret, JWKSource<SecurityContext> jwks, String issuer, String audience, Clock clock) {
        this.issuer = issuer;
        this.audience = audience;
        this.clock = clock;
        JWSKeySelector<SecurityContext> hmac = null;
        if (!hs256Secret.isEmpty()) {
            byte[] secret = hs256Secret.getBytes(StandardCharsets.UTF_8);
            hmac = new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256, new SecretKeySpec(secret, "HmacSHA256"));
            algorithms.add(JWSAlgorithm.HS256);
        }
        JWSKeySelector<SecurityContext> published = null;
        if (jwks != null) {
            published = new JWSVerificationKeySelector<>(JWKS_ALGORITHMS, jwks);
            algorithms.addAll(List.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256));
        }
        processor.setJWSKeySelector(new ByAlgorithm(hmac, published));
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, ACCESS_TOKEN, null));
        processor.setJWTClaimsSetVerifier(claimsVerifier());
    }

    /** @return the verified claims */
    JWTClaimsSet verify(SignedJWT jwt) {
        checkHeader(jwt.getHeader());
        try {
            return processor.process(jwt, null);
        } catch (BadJWSException e) {
            throw rejected(
                    "has a signature that does not verify"
                            + " (expected: signed with tenant.jwt.hs256-secret or a key in tenant.jwt.jwks)",
                    e);
        } catch (BadJWTException e) {
            throw rejected(explain(e, jwt), e);
        } catch (BadJOSEException e) {
            String kid = jwt.getHeader().getKeyID();
            throw rejected(
                    "names no known key (alg " + jwt.getHeader().getAlgorithm() + ", "
                            + (kid == null ? "no kid" : "kid '" + printable(kid) + "'")
                            + ") (expected: a key in tenant.jwt.jwks)",
                    e);
        } catch (JOSEException e) {
            throw rejected("could not be verified (" + printable(e.getMessage()) + ")", e);
        }
    }

    static ProxyException rejected(String what, Throwable cause) {
        return new ProxyException(ProxyFailure.TENANT_TOKEN_INVALID, "bearer token " + what, cause);
    }

    private void checkHeader(JWSHeader header) {
        if (!algorithms.contains(header.getAlgorithm())) {
            throw rejected(
                    "is signed with " + printable(header.getAlgorithm().getName()) + " (expected: one of " + algorithms
                            + ")",
                    null);
        }
        JOSEObjectType type = header.getType();
        if (type != null && !JOSEObjectType.JWT.equals(type) && !ACCESS_TOKEN.equals(type)) {
            throw rejected("has typ '" + printable(type.getType()) + "' (expected: JWT, at+jwt or none)", null);
        }
    }

    private String explain(BadJWTException failure, SignedJWT jwt) {
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return "has a payload that is not a JSON claims set (expected: a JWT)";
        }
        if (failure instanceof ExpiredJWTException) {
            return "has expired (expected: exp in the future)";
        }
        if (claims.getExpirationTime() == null) {
            return "has no exp claim (expected: an expiry time)";
        }
        if (!issuer.isEmpty() && !issuer.equals(claims.getIssuer())) {
            return (claims.getIssuer() == null ? "has no iss claim" : "has iss '" + printable(claims.getIssuer()) + "'")
                    + " (expected: '" + issuer + "')";
        }
        if (!audience.isEmpty() && !claims.getAudience().contains(audience)) {
            return (claims.getAudience().isEmpty()
                            ? "has no aud claim"
                            : "has aud '" + printable(String.join(", ", claims.getAudience())) + "'")
                    + " (expected: '" + audience + "')";
        }
        if (claims.getNotBeforeTime() != null) {
            return "is not valid yet (expected: nbf in the past)";
        }
        return "was rejected (" + printable(failure.getMessage()) + ")";
    }

    private DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier() {
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (!issuer.isEmpty()) {
            exact.issuer(issuer);
        }
        return new DefaultJWTClaimsVerifier<>(audience.isEmpty() ? null : audience, exact.build(), Set.of("exp")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
    }

    private static String printable(String raw) {
        return raw == null ? "" : TenantIdRules.printable(raw);
    }

    /** HS256 to the shared secret, the others to the JWKS; an algorithm nobody configured finds no key. */
    private record ByAlgorithm(JWSKeySelector<SecurityContext> hmac, JWSKeySelector<SecurityContext> jwks)
            implements JWSKeySelector<SecurityContext> {
        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
            JWSKeySelector<SecurityContext> selector = JWSAlgorithm.HS256.equals(header.getAlgorithm()) ? hmac : jwks;
            return selector == null ? List.of() : selector.selectJWSKeys(header, context);
        }
    }
}
