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

class HostTenantResolverTest {
    private final HostTenantResolver resolver = new HostTenantResolver("example.com", RULES);

    @ParameterizedTest(name = "{0} names {1}")
    @CsvSource({
        "acme.example.com, acme",
        "acme.example.com:8443, acme",
        "ACME.Example.COM, acme",
        "acme.example.com., acme",
        "acme.example.com.:80, acme",
        "globex-2.example.com, globex-2"
    })
    void namesTheTenantInTheOneLabelBeforeTheDomain(String host, String tenant) {
        assertThat(resolver.resolve(headers("Host", host), "/")).isEqualTo(new TenantId(tenant));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "example.com",
                "example.com:8080",
                "example.com.",
                "acme.example.org",
                "acmeexample.com",
                "example.com.evil.org",
                "localhost",
                "127.0.0.1:8080",
                "[::1]:8080",
                ""
            })
    void namesNoTenantWhenTheHostIsNotASubdomainOfTheDomain(String host) {
        assertThat(resolver.resolve(headers("Host", host), "/")).isNull();
    }

    @Test
    void namesNoTenantWhenThereIsNoHostHeader() {
        assertThat(resolver.resolve(headers(), "/")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b.example.com", "a.b.example.com:443", ".example.com", "acme..example.com"})
    void refusesAHostWithoutExactlyOneLabelBeforeTheDomainAsInvalid(String host) {
        assertRefused(() -> resolver.resolve(headers("Host", host), "/"), ProxyFailure.TENANT_INVALID)
                .hasMessage("host '" + host + "' does not have exactly one label before 'example.com'"
                        + " (expected: {tenant}.example.com)");
    }

    @Test
    void refusesAHostHeaderThatAppearsTwiceAsAmbiguous() {
        assertRefused(
                        () -> resolver.resolve(headers("Host", "acme.example.com", "Host", "globex.example.com"), "/"),
                        ProxyFailure.TENANT_AMBIGUOUS)
                .hasMessage("header 'Host' appears 2 times (expected: exactly once)");
    }

    @Test
    void refusesALabelOutsideTheTenantIdRulesAsInvalid() {
        assertRefused(() -> resolver.resolve(headers("Host", "ac_me.example.com"), "/"), ProxyFailure.TENANT_INVALID)
                .hasMessage("tenant id 'ac_me' from header 'Host' is not valid (" + EXPECTATION + ")");
    }
}
