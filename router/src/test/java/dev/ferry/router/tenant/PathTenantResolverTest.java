package dev.ferry.router.tenant;

import static dev.ferry.router.tenant.Tenants.EXPECTATION;
import static dev.ferry.router.tenant.Tenants.RULES;
import static dev.ferry.router.tenant.Tenants.assertRefused;
import static dev.ferry.router.tenant.Tenants.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.ProxyFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathTenantResolverTest {
    private static final String EXPECTED_CLEAN =
            " (expected: no dot segments or encoded separators in a path that may name prefix '/t/')";

    private final PathTenantResolver resolver = new PathTenantResolver("/t/", RULES);

    @ParameterizedTest(name = "{0} names {1}")
    @CsvSource({
        "/t/acme, acme",
        "/t/acme/, acme",
        "/t/acme/orders?x=1, acme",
        "/t/acme?x=/t/globex, acme",
        "/t/acme/orders?next=../x, acme",
        "/t/acme#top, acme",
        "http://acme.example.com/t/acme/orders, acme",
        "/t/globex-2/a.b/c.json, globex-2"
    })
    void namesTheTenantInTheSegmentAfterThePrefix(String uri, String tenant) {
        assertThat(resolver.resolve(headers(), uri)).isEqualTo(new TenantId(tenant));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/",
                "/orders",
                "/tenants/acme",
                "/x/t",
                "/T/acme",
                "/api/../orders",
                "/static//app.js",
                "/files/a%2Fb",
                "*",
                "example.com:443",
                "http://example.com",
                "http://example.com?t"
            })
    void namesNoTenantWhenThePathCannotNameThePrefix(String uri) {
        assertThat(resolver.resolve(headers(), uri)).isNull();
    }

    @ParameterizedTest(name = "{0} has {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/t/acme/../globex/orders   | a '..' segment",
                "/t/../t/globex             | a '..' segment",
                "/t/acme/..;x/globex        | a '..' segment",
                "/t/./acme                  | a '.' segment",
                "/t/acme/.                  | a '.' segment",
                "/x/../t/acme               | a '..' segment",
                "/./t/acme                  | a '.' segment",
                "//t/acme                   | an empty segment ('//')",
                "/t//acme                   | an empty segment ('//')",
                "/t/acme//orders            | an empty segment ('//')",
                "/t\\acme                   | a backslash",
                "/x\\..\\t\\acme            | a backslash",
                "/t/acme/%2e%2e/globex      | an encoded '.' (%2e)",
                "/t/acme/%2E%2E/globex      | an encoded '.' (%2E)",
                "/t/acme%2f..%2fglobex      | an encoded '/' (%2f)",
                "/x/..%2Ft/acme             | an encoded '/' (%2F)",
                "/x%2ft/acme                | an encoded '/' (%2f)",
                "/t/acme%5c..%5cglobex      | an encoded '\\' (%5c)",
                "/t/acme/%252e%252e/globex  | an encoded '%' (%25)",
                "/%2574/acme                | an encoded '%' (%25)",
                "/t/acme/files/a%2Fb?x=1    | an encoded '/' (%2F)"
            })
    void refusesAPathThatANormalisingBackendWouldReadElsewhere(String uri, String problem) {
        String path = uri.replaceFirst("\\?.*", "");

        assertRefused(() -> resolver.resolve(headers(), uri), ProxyFailure.TENANT_INVALID)
                .hasMessage("path '" + path + "' has " + problem + EXPECTED_CLEAN);
    }

    @Test
    void refusesAPathThatNamesThePrefixOnlyOncePercentDecoded() {
        assertRefused(() -> resolver.resolve(headers(), "/%74/acme/orders"), ProxyFailure.TENANT_INVALID)
                .hasMessage("path '/%74/acme/orders' names path prefix '/t/' only once percent-decoded"
                        + " (expected: the prefix and the tenant without percent-encoding)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/t/", "/t", "/t?x=1", "/t/?x=1", "/t/#top"})
    void refusesThePrefixWithoutATenantSegmentAsInvalid(String uri) {
        String path = uri.replaceFirst("[?#].*", "");

        assertRefused(() -> resolver.resolve(headers(), uri), ProxyFailure.TENANT_INVALID)
                .hasMessage("path '" + path + "' names no tenant after path prefix '/t/' (expected: /t/{tenant}/...)");
    }

    @Test
    void refusesATenantSegmentOutsideTheTenantIdRulesAsInvalid() {
        assertRefused(() -> resolver.resolve(headers(), "/t/ACME/orders"), ProxyFailure.TENANT_INVALID)
                .hasMessage("tenant id 'ACME' from path prefix '/t/' is not valid (" + EXPECTATION + ")");
    }

    @Test
    void readsALongerPrefix() {
        PathTenantResolver longer = new PathTenantResolver("/api/tenants/", RULES);

        assertThat(longer.resolve(headers(), "/api/tenants/acme/orders")).isEqualTo(new TenantId("acme"));
        assertThat(longer.resolve(headers(), "/api/orders")).isNull();
        assertRefused(() -> longer.resolve(headers(), "/api/tenants/acme/../../x"), ProxyFailure.TENANT_INVALID);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "/t/acme/orders?x=1, /orders?x=1",
        "/t/acme/orders/, /orders/",
        "/t/acme, /",
        "/t/acme/, /",
        "/t/acme?x, /?x",
        "/t/acme#top, /#top",
        "http://host:8080/t/acme/orders?x=1, http://host:8080/orders?x=1",
        "/orders?x=1, /orders?x=1",
        "*, *"
    })
    void stripsThePrefixAndTenantFromTheUri(String uri, String stripped) {
        assertThat(resolver.strip(uri)).isEqualTo(stripped);
    }
}
