package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every tenant source at once, through the real router: each routes, and they must agree; over HTTP/1.1 (the fast path)
 * and h2c (Reactor Netty), where the host comes as {@code :authority}.
 */
class TenantSourcesIT {
    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes!!";

    static Backends backends;
    static RunningRouter router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(flags.config());
        config.put("tenant.sources", "jwt,path,host,header");
        config.put("tenant.host-pattern", "{tenant}.example.test");
        config.put("tenant.jwt.hs256-secret", SECRET);
        config.put("forwarding.served-by-header", "X-Ferry-Backend");
        router = RunningRouter.startReady(config);
    }

    @BeforeEach
    void reset() {
        backends.reset();
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        backends.close();
    }

    private record Answer(int status, String backend, String error, String body) {}

    private static Answer get(ClientProtocol protocol, String path, Map<String, String> headers) {
        return router.client(protocol)
                .headers(h -> headers.forEach(h::set))
                .get()
                .uri(path)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Answer(
                                response.status().code(),
                                response.responseHeaders().get("X-Ferry-Backend"),
                                response.responseHeaders().get("X-Ferry-Error"),
                                text)))
                .block(Duration.ofSeconds(10));
    }

    private static String token(String tenant) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .claim("tenant_id", tenant)
                        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                        .build());
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void routesByTheHostsSubdomain(ClientProtocol protocol) {
        assertThat(get(protocol, "/a", Map.of("Host", "globex.example.test")).backend())
                .isEqualTo("new");
        assertThat(get(protocol, "/a", Map.of("Host", "acme.example.test:8080")).backend())
                .isEqualTo("legacy");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void routesByThePathPrefixAndStripsItBeforeForwarding(ClientProtocol protocol) {
        Answer answer = get(protocol, "/t/globex/orders?page=2", Map.of());

        assertThat(answer.backend()).isEqualTo("new");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlEqualTo("/orders?page=2")).withHeader("X-Tenant-Id", equalTo("globex")));
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void routesByAVerifiedJwtClaimAndTellsTheBackendWhichTenantItIs(ClientProtocol protocol) throws Exception {
        Answer answer =
                get(protocol, "/me", Map.of("Authorization", "Bearer " + token("globex"), "X-Tenant-Id", "globex"));

        assertThat(answer.backend()).isEqualTo("new");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlEqualTo("/me")).withHeader("X-Tenant-Id", equalTo("globex")));
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesAForgedTokenWith401(ClientProtocol protocol) throws Exception {
        String forged = token("globex").substring(0, token("globex").lastIndexOf('.') + 1) + "AAAA";

        Answer answer = get(protocol, "/me", Map.of("Authorization", "Bearer " + forged));

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.error()).isEqualTo("tenant_token_invalid");
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesSourcesThatDisagree(ClientProtocol protocol) throws Exception {
        Answer answer = get(protocol, "/t/acme/orders", Map.of("Authorization", "Bearer " + token("globex")));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("tenant_ambiguous");
        assertThat(answer.body()).contains("'globex'", "'acme'");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesAPathThatNormalisesElsewhere(ClientProtocol protocol) {
        Answer answer = get(protocol, "/t/acme/../globex/orders", Map.of());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("tenant_invalid");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesTheTenantHeaderSentTwice(ClientProtocol protocol) {
        Answer answer = router.client(protocol)
                .headers(h -> h.add("X-Tenant-Id", "acme").add("X-Tenant-Id", "globex"))
                .get()
                .uri("/")
                .responseSingle((response, body) -> body.asString()
                        .map(text -> new Answer(
                                response.status().code(),
                                null,
                                response.responseHeaders().get("X-Ferry-Error"),
                                text)))
                .block(Duration.ofSeconds(10));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("tenant_ambiguous");
        router.assertServedBy(protocol);
    }
}
