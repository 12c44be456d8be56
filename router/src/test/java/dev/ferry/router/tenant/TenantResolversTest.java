package dev.ferry.router.tenant;

import static dev.ferry.router.tenant.Tenants.RULES;
import static dev.ferry.router.tenant.Tenants.assertRefused;
import static dev.ferry.router.tenant.Tenants.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.router.config.TenantConfig;
import dev.ferry.router.config.TenantConfig.JwtConfig;
import dev.ferry.router.config.TenantConfig.Source;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TenantResolversTest {
    private static final JwtConfig NO_JWT = new JwtConfig("tenant_id", "", "", "", "", Duration.ofMinutes(5));

    @ParameterizedTest(name = "{0}: X-Tenant-Id={1} Host={2} {3} → {4} {5}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                "header,host,path | acme | acme.example.com | /t/acme/orders?x=1 | acme | /orders?x=1",
                "header,host,path | -    | -                | /t/acme/orders     | acme | /orders",
                "header,host,path | acme | -                | /orders            | acme | /orders",
                "header,host,path | -    | acme.example.com | /orders            | acme | /orders",
                "header,host,path | -    | example.com      | /orders            | -    | /orders",
                "header,host,path | acme | -                | /t/acme            | acme | /",
                "path,header      | acme | -                | /t/acme?x          | acme | /?x",
                "header           | acme | -                | /t/globex/orders   | acme | /t/globex/orders",
                "host             | -    | globex.example.com | /t/acme          | globex | /t/acme"
            })
    void namesTheTenantTheSourcesAgreeOnAndStripsThePathPrefixWhenThePathNamedIt(
            String sources, String header, String host, String uri, String tenant, String forwarded) {
        try (TenantResolvers resolvers = new TenantResolvers(config(sources, true, NO_JWT), RULES)) {
            TenantResolution resolution = resolvers.resolve(request(header, host), uri);

            assertThat(resolution.tenant()).isEqualTo(tenant == null ? null : new TenantId(tenant));
            assertThat(resolution.uri()).isEqualTo(forwarded);
        }
    }

    @Test
    void forwardsTheUriUnchangedWhenStrippingIsOff() {
        try (TenantResolvers resolvers = new TenantResolvers(config("path", false, NO_JWT), RULES)) {
            TenantResolution resolution = resolvers.resolve(headers(), "/t/acme/orders?x=1");

            assertThat(resolution).isEqualTo(new TenantResolution(new TenantId("acme"), "/t/acme/orders?x=1"));
        }
    }

    @Test
    void refusesSourcesThatNameDifferentTenantsAsAmbiguous() {
        try (TenantResolvers resolvers = new TenantResolvers(config("header,host,path", true, NO_JWT), RULES)) {
            assertRefused(
                            () -> resolvers.resolve(request(null, "acme.example.com"), "/t/globex/orders"),
                            ProxyFailure.TENANT_AMBIGUOUS)
                    .hasMessage("tenant sources disagree: header 'Host' names 'acme', path prefix '/t/' names 'globex'"
                            + " (expected: every source that names a tenant to name the same one)");
        }
    }

    @Test
    void refusesARequestWhenALaterSourceFailsAlthoughAnEarlierOneNamedATenant() {
        try (TenantResolvers resolvers = new TenantResolvers(config("header,path", true, NO_JWT), RULES)) {
            assertRefused(
                            () -> resolvers.resolve(request("acme", null), "/t/acme/../globex"),
                            ProxyFailure.TENANT_INVALID)
                    .hasMessageStartingWith("path '/t/acme/../globex' has a '..' segment");
        }
    }

    @Test
    void namesTheTenantOfABearerTokenThatAgreesWithTheHeader() {
        JwtConfig jwt = new JwtConfig("tenant_id", Jwts.SECRET, "", Jwts.ISSUER, Jwts.AUDIENCE, Duration.ofMinutes(5));
        String token = Jwts.hs256(Jwts.claims(Instant.now()).build());
        try (TenantResolvers resolvers = new TenantResolvers(config("jwt,header", true, jwt), RULES)) {
            HttpHeaders agreeing = headers("Authorization", "Bearer " + token, "X-Tenant-Id", "acme");
            HttpHeaders opaque = headers("Authorization", "Bearer 2YotnFZFEjr1zCsicMWpAA", "X-Tenant-Id", "globex");
            HttpHeaders disagreeing = headers("Authorization", "Bearer " + token, "X-Tenant-Id", "globex");

            assertThat(resolvers.resolve(agreeing, "/orders").tenant()).isEqualTo(new TenantId("acme"));
            assertThat(resolvers.resolve(opaque, "/orders").tenant()).isEqualTo(new TenantId("globex"));
            assertRefused(() -> resolvers.resolve(disagreeing, "/orders"), ProxyFailure.TENANT_AMBIGUOUS)
                    .hasMessage("tenant sources disagree: claim 'tenant_id' of the bearer token names 'acme',"
                            + " header 'X-Tenant-Id' names 'globex'"
                            + " (expected: every source that names a tenant to name the same one)");
        }
    }

    @Test
    void refusesToBuildTheJwtSourceWithoutASecretOrAJwks() {
        assertThatThrownBy(() -> new TenantResolvers(config("header,jwt", true, NO_JWT), RULES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tenant.jwt: neither hs256-secret nor jwks is set");
    }

    private static HttpHeaders request(String tenantHeader, String host) {
        List<String> namesAndValues = new ArrayList<>();
        if (tenantHeader != null) {
            namesAndValues.addAll(List.of("X-Tenant-Id", tenantHeader));
        }
        if (host != null) {
            namesAndValues.addAll(List.of("Host", host));
        }
        return headers(namesAndValues.toArray(String[]::new));
    }

    private static TenantConfig config(String sources, boolean strip, JwtConfig jwt) {
        List<Source> list = Arrays.stream(sources.split(","))
                .map(name -> Source.valueOf(name.trim().toUpperCase(Locale.ROOT)))
                .toList();
        return new TenantConfig(
                list,
                "X-Tenant-Id",
                "{tenant}.example.com",
                "/t/",
                strip,
                jwt,
                Tenants.ID_PATTERN,
                64,
                TenantConfig.WhenMissing.REJECT);
    }
}
