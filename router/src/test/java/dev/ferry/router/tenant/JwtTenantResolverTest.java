package dev.ferry.router.tenant;

import static dev.ferry.router.tenant.Jwts.claims;
import static dev.ferry.router.tenant.Jwts.hs256;
import static dev.ferry.router.tenant.Jwts.jwks;
import static dev.ferry.router.tenant.Jwts.rs256;
import static dev.ferry.router.tenant.Tenants.EXPECTATION;
import static dev.ferry.router.tenant.Tenants.RULES;
import static dev.ferry.router.tenant.Tenants.assertRefused;
import static dev.ferry.router.tenant.Tenants.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.ferry.router.config.TenantConfig.JwtConfig;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.testing.MutableClock;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JwtTenantResolverTest {
    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    private static final Duration AWAIT = Duration.ofSeconds(10);
    private static final TenantId ACME = new TenantId("acme");

    private static HttpHeaders bearer(String token) {
        return headers("Authorization", "Bearer " + token);
    }

    @Nested
    class WithTheSharedSecret {
        private final MutableClock clock = new MutableClock(NOW);
        private final JwtTenantResolver resolver = new JwtTenantResolver(Jwts.hs256Config(), RULES, clock);

        @AfterEach
        void close() {
            resolver.close();
        }

        @Test
        void namesTheTenantInTheClaimOfAValidToken() {
            assertThat(resolver.resolve(bearer(hs256(claims(NOW).build())), "/"))
                    .isEqualTo(ACME);
        }

        @ParameterizedTest
        @ValueSource(strings = {"Bearer %s", "bearer %s", "BEARER   %s\t"})
        void readsTheBearerSchemeInAnyCase(String format) {
            String token = hs256(claims(NOW).build());

            assertThat(resolver.resolve(headers("Authorization", format.formatted(token)), "/"))
                    .isEqualTo(ACME);
        }

        @Test
        void verifiesATokenWhateverKeyIdItNames() {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.HS256)
                    .keyID("2024-01")
                    .type(JOSEObjectType.JWT)
                    .build();
            String token = Jwts.sign(header, claims(NOW).build(), Jwts.mac(Jwts.SECRET));

            assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc.def.ghi"})
        void namesNoTenantWithoutABearerToken(String authorization) {
            HttpHeaders headers = authorization.isEmpty() ? headers() : headers("Authorization", authorization);

            assertThat(resolver.resolve(headers, "/")).isNull();
        }

        @ParameterizedTest
        @ValueSource(
                strings = {"2YotnFZFEjr1zCsicMWpAA", "abc.def.ghi", "a.b", "eyJhbGciOi.eyJ.c2ln", "..", "a.b.c.d.e"})
        void namesNoTenantForABearerValueThatIsNotAJwt(String opaque) {
            assertThat(resolver.resolve(bearer(opaque), "/")).isNull();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.ferry.router.tenant.JwtTenantResolverTest#rejectedTokens")
        void refusesATokenThatFailsACheckAsUnauthorized(String description, String token, String message) {
            assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                    .hasMessage(message)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token));
        }

        @Test
        void refusesAValidTokenWhoseClaimIsNotAValidTenantId() {
            String token = hs256(claims(NOW).claim("tenant_id", "ACME").build());

            assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_INVALID)
                    .hasMessage("tenant id 'ACME' from claim 'tenant_id' of the bearer token is not valid ("
                            + EXPECTATION + ")");
        }

        @Test
        void refusesARepeatedAuthorizationHeaderAsAmbiguous() {
            String token = hs256(claims(NOW).build());

            assertRefused(
                            () -> resolver.resolve(
                                    headers("Authorization", "Bearer " + token, "Authorization", "Bearer " + token),
                                    "/"),
                            ProxyFailure.TENANT_AMBIGUOUS)
                    .hasMessage("header 'Authorization' appears 2 times (expected: exactly once)");
        }

        @Test
        void refusesATokenItHadVerifiedOnceItHasExpired() {
            String token = hs256(claims(NOW).build());
            assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME);

            clock.advance(Duration.ofMinutes(7));

            assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                    .hasMessage("bearer token has expired (expected: exp in the future)");
        }

        @Test
        void acceptsATokenItHadRefusedAsNotYetValidOnceItsNbfHasPassed() {
            String token = hs256(claims(NOW)
                    .notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(2))))
                    .build());
            assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                    .hasMessage("bearer token is not valid yet (expected: nbf in the past)");

            clock.advance(Duration.ofMinutes(2));

            assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME);
        }
    }

    static Stream<Arguments> rejectedTokens() {
        String signature = "bearer token has a signature that does not verify"
                + " (expected: signed with tenant.jwt.hs256-secret or a key in tenant.jwt.jwks)";
        String longSecret = "a".repeat(64);
        return Stream.of(
                Arguments.of(
                        "signed with another secret",
                        hs256(
                                "another shared secret of over 32 bytes",
                                claims(NOW).build()),
                        signature),
                Arguments.of(
                        "with a payload changed after signing",
                        tamper(hs256(claims(NOW).build())),
                        signature),
                Arguments.of(
                        "expired",
                        hs256(claims(NOW)
                                .expirationTime(Date.from(NOW.minus(Duration.ofMinutes(2))))
                                .build()),
                        "bearer token has expired (expected: exp in the future)"),
                Arguments.of(
                        "without exp",
                        hs256(claims(NOW).expirationTime(null).build()),
                        "bearer token has no exp claim (expected: an expiry time)"),
                Arguments.of(
                        "from another issuer",
                        hs256(claims(NOW).issuer("https://evil.example").build()),
                        "bearer token has iss 'https://evil.example' (expected: 'https://issuer.example')"),
                Arguments.of(
                        "without issuer",
                        hs256(claims(NOW).issuer(null).build()),
                        "bearer token has no iss claim (expected: 'https://issuer.example')"),
                Arguments.of(
                        "for another audience",
                        hs256(claims(NOW).audience(List.of("billing", "search")).build()),
                        "bearer token has aud 'billing, search' (expected: 'ferry')"),
                Arguments.of(
                        "without audience",
                        hs256(claims(NOW).audience((String) null).build()),
                        "bearer token has no aud claim (expected: 'ferry')"),
                Arguments.of(
                        "unsigned (alg none)",
                        new PlainJWT(claims(NOW).build()).serialize(),
                        "bearer token is not signed (alg none) (expected: a signed JWT)"),
                Arguments.of(
                        "signed with an algorithm not configured",
                        Jwts.sign(new JWSHeader(JWSAlgorithm.HS512), claims(NOW).build(), Jwts.mac(longSecret)),
                        "bearer token is signed with HS512 (expected: one of [HS256])"),
                Arguments.of(
                        "of another type",
                        Jwts.sign(
                                new JWSHeader.Builder(JWSAlgorithm.HS256)
                                        .type(new JOSEObjectType("logout+jwt"))
                                        .build(),
                                claims(NOW).build(),
                                Jwts.mac(Jwts.SECRET)),
                        "bearer token has typ 'logout+jwt' (expected: JWT, at+jwt or none)"),
                Arguments.of(
                        "whose payload is not a claims set",
                        Jwts.hs256Text("tenant_id=acme"),
                        "bearer token has a payload that is not a JSON claims set (expected: a JWT)"),
                Arguments.of(
                        "without the tenant claim",
                        hs256(claims(NOW).claim("tenant_id", null).build()),
                        "bearer token has no claim 'tenant_id' (expected: the tenant id as a string)"),
                Arguments.of(
                        "with a number as the tenant claim",
                        hs256(claims(NOW).claim("tenant_id", 42).build()),
                        "bearer token has claim 'tenant_id' as a number (expected: a string)"),
                Arguments.of(
                        "with an array as the tenant claim",
                        hs256(claims(NOW).claim("tenant_id", List.of("acme")).build()),
                        "bearer token has claim 'tenant_id' as an array (expected: a string)"));
    }

    /** Swaps the payload for one naming another tenant, keeping the original signature. */
    private static String tamper(String token) {
        String[] parts = token.split("\\.");
        String forged = hs256(claims(NOW).claim("tenant_id", "globex").build()).split("\\.")[1];
        return parts[0] + "." + forged + "." + parts[2];
    }

    @Nested
    class WithAJwksFile {
        private final RSAKey key = Jwts.rsaKey("k1");

        @TempDir
        Path dir;

        @ParameterizedTest
        @ValueSource(strings = {"RS256", "PS256", "ES256"})
        void namesTheTenantInATokenSignedWithAKeyOfTheSet(String algorithm) throws IOException {
            ECKey ec = Jwts.ecKey("e1");
            try (JwtTenantResolver resolver = resolverOn(write(jwks(key, ec)))) {
                JWK signer = algorithm.startsWith("ES") ? ec : key;
                String token = Jwts.signWith(
                        signer,
                        JWSAlgorithm.parse(algorithm),
                        claims(Instant.now()).build());

                assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME);
            }
        }

        @Test
        void refusesATokenSignedWithAnotherKeyUnderAKnownKid() throws IOException {
            RSAKey impostor = Jwts.rsaKey("k1");
            try (JwtTenantResolver resolver = resolverOn(write(jwks(key)))) {
                String token = rs256(impostor, claims(Instant.now()).build());

                assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                        .hasMessageStartingWith("bearer token has a signature that does not verify");
            }
        }

        @Test
        void refusesAnHs256TokenWhenOnlyAJwksIsConfigured() throws IOException {
            try (JwtTenantResolver resolver = resolverOn(write(jwks(key)))) {
                String token = hs256(claims(Instant.now()).build());

                assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                        .hasMessage("bearer token is signed with HS256 (expected: one of [RS256, ES256, PS256])");
            }
        }

        @Test
        void picksUpAKeyAddedToTheFileAtTheNextReload() throws IOException {
            RSAKey next = Jwts.rsaKey("k2");
            Path file = write(jwks(key));
            try (JwtTenantResolver resolver = resolverOn(file)) {
                String token = rs256(next, claims(Instant.now()).build());
                assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                        .hasMessage("bearer token names no known key (alg RS256, kid 'k2')"
                                + " (expected: a key in tenant.jwt.jwks)");

                Files.writeString(file, jwks(key, next));

                await().atMost(AWAIT)
                        .ignoreExceptionsInstanceOf(ProxyException.class)
                        .untilAsserted(() ->
                                assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME));
            }
        }

        @Test
        void refusesToStartWhenTheFileIsMissing() {
            Path missing = dir.resolve("missing.json");

            assertThatThrownBy(() -> resolverOn(missing))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tenant.jwt.jwks: '" + missing + "' could not be loaded"
                            + " (expected: a JWK set file or http(s) URL with at least one public key): ")
                    .hasMessageContaining("FileNotFoundException");
        }

        @Test
        void refusesToStartWhenTheFileHoldsNoPublicKey() throws IOException {
            OctetSequenceKey secret = new OctetSequenceKey.Builder(Jwts.SECRET.getBytes(StandardCharsets.UTF_8))
                    .keyID("s1")
                    .build();
            Path file = write(new JWKSet(secret).toString(false));

            assertThatThrownBy(() -> resolverOn(file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageEndingWith("java.text.ParseException: the set holds no public key");
        }

        @Test
        void refusesToStartWhenTheFileIsNotAJwkSet() throws IOException {
            Path file = write("not json");

            assertThatThrownBy(() -> resolverOn(file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tenant.jwt.jwks: '" + file + "' could not be loaded");
        }

        private Path write(String content) throws IOException {
            return Files.writeString(dir.resolve("jwks.json"), content);
        }

        private JwtTenantResolver resolverOn(Path file) {
            return new JwtTenantResolver(Jwts.jwksConfig(file.toString()), RULES, Clock.systemUTC());
        }
    }

    @Nested
    class WithAJwksUrl {
        private final RSAKey key = Jwts.rsaKey("k1");

        @Test
        void namesTheTenantInATokenSignedWithAKeyOfTheSet() throws IOException {
            try (JwksServer server = new JwksServer(jwks(key));
                    JwtTenantResolver resolver = resolverOn(server)) {
                assertThat(resolver.resolve(
                                bearer(rs256(key, claims(Instant.now()).build())), "/"))
                        .isEqualTo(ACME);
            }
        }

        @Test
        void refusesATokenWithANewKidUntilTheRefreshPicksUpTheRotatedKey() throws IOException {
            RSAKey next = Jwts.rsaKey("k2");
            try (JwksServer server = new JwksServer(jwks(key));
                    JwtTenantResolver resolver = resolverOn(server)) {
                String token = rs256(next, claims(Instant.now()).build());
                assertRefused(() -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                        .hasMessage("bearer token names no known key (alg RS256, kid 'k2')"
                                + " (expected: a key in tenant.jwt.jwks)");

                server.serve(jwks(key, next));

                await().atMost(AWAIT)
                        .ignoreExceptionsInstanceOf(ProxyException.class)
                        .untilAsserted(() ->
                                assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME));
            }
        }

        @Test
        void stopsAcceptingAKeyRemovedFromTheSet() throws IOException {
            RSAKey next = Jwts.rsaKey("k2");
            try (JwksServer server = new JwksServer(jwks(key));
                    JwtTenantResolver resolver = resolverOn(server)) {
                String token = rs256(key, claims(Instant.now()).build());
                assertThat(resolver.resolve(bearer(token), "/")).isEqualTo(ACME);

                server.serve(jwks(next));

                await().atMost(AWAIT)
                        .ignoreExceptionsInstanceOf(ProxyException.class)
                        .untilAsserted(() -> assertRefused(
                                        () -> resolver.resolve(bearer(token), "/"), ProxyFailure.TENANT_TOKEN_INVALID)
                                .hasMessageStartingWith("bearer token names no known key (alg RS256, kid 'k1')"));
            }
        }

        @Test
        void keepsTheLastGoodKeysWhenARefreshFails() throws IOException {
            try (JwksServer server = new JwksServer(jwks(key));
                    JwtTenantResolver resolver = resolverOn(server)) {
                server.fail(503);
                int before = server.requests();

                await().atMost(AWAIT).until(() -> server.requests() >= before + 2);

                String unseen = rs256(
                        key,
                        claims(Instant.now())
                                .jwtID(UUID.randomUUID().toString())
                                .build());
                assertThat(resolver.resolve(bearer(unseen), "/")).isEqualTo(ACME);
            }
        }

        @Test
        void refusesToStartWhenTheUrlCannotBeFetched() throws IOException {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                closedPort = socket.getLocalPort();
            }
            String url = "http://127.0.0.1:" + closedPort + "/jwks.json";

            assertThatThrownBy(() -> new JwtTenantResolver(Jwts.jwksConfig(url), RULES))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tenant.jwt.jwks: '" + url + "' could not be loaded"
                            + " (expected: a JWK set file or http(s) URL with at least one public key): ")
                    .hasMessageEndingWith("java.net.ConnectException: cannot connect to 127.0.0.1:" + closedPort);
        }

        @Test
        void refusesToStartWhenTheUrlAnswersAnError() throws IOException {
            try (JwksServer server = new JwksServer(jwks(key))) {
                server.fail(404);

                assertThatThrownBy(() -> resolverOn(server))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("tenant.jwt.jwks: '" + server.url() + "' could not be loaded")
                        .hasMessageEndingWith("java.io.IOException: HTTP 404 from " + server.url());
            }
        }

        private JwtTenantResolver resolverOn(JwksServer server) {
            return new JwtTenantResolver(Jwts.jwksConfig(server.url()), RULES, Clock.systemUTC());
        }
    }

    @Test
    void refusesToStartWithNeitherASecretNorAJwks() {
        JwtConfig neither = new JwtConfig("tenant_id", "", "", "", "", Duration.ofMinutes(5));

        assertThatThrownBy(() -> new JwtTenantResolver(neither, RULES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tenant.jwt: neither hs256-secret nor jwks is set"
                        + " (expected: at least one of them when tenant.sources lists jwt)");
    }

    @Test
    void acceptsAnyIssuerAndAudienceWhenNoneIsConfigured() {
        JwtConfig open = new JwtConfig("tenant_id", Jwts.SECRET, "", "", "", Duration.ofMinutes(5));
        JwtTenantResolver resolver = new JwtTenantResolver(open, RULES, new MutableClock(NOW));
        JWTClaimsSet claims = claims(NOW).issuer("anyone").audience("anything").build();

        assertThat(resolver.resolve(bearer(hs256(claims)), "/")).isEqualTo(ACME);
    }
}
