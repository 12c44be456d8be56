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

class HeaderTenantResolverTest {
    private final HeaderTenantResolver resolver = new HeaderTenantResolver("X-Tenant-Id", RULES);

    @ParameterizedTest(name = "''{0}'' names {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {"acme | acme", "\"  acme\t\" | acme", "globex-2 | globex-2"})
    void namesTheTenantInTheHeaderTrimmedOfSpacesAndTabs(String value, String tenant) {
        assertThat(resolver.resolve(headers("X-Tenant-Id", value), "/")).isEqualTo(new TenantId(tenant));
    }

    @Test
    void readsTheHeaderWhateverItsCase() {
        assertThat(resolver.resolve(headers("x-tenant-id", "acme"), "/")).isEqualTo(new TenantId("acme"));
    }

    @Test
    void namesNoTenantWhenTheHeaderIsAbsent() {
        assertThat(resolver.resolve(headers("X-Other", "acme"), "/t/acme/")).isNull();
    }

    @Test
    void refusesAHeaderThatAppearsTwiceAsAmbiguous() {
        assertRefused(
                        () -> resolver.resolve(headers("X-Tenant-Id", "acme", "X-Tenant-Id", "acme"), "/"),
                        ProxyFailure.TENANT_AMBIGUOUS)
                .hasMessage("header 'X-Tenant-Id' appears 2 times (expected: exactly once)");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"acme, globex", "acme,acme", "acme,"})
    void refusesACommaSeparatedListAsAmbiguous(String value) {
        assertRefused(() -> resolver.resolve(headers("X-Tenant-Id", value), "/"), ProxyFailure.TENANT_AMBIGUOUS)
                .hasMessage("header 'X-Tenant-Id' holds a list '" + value + "' (expected: exactly one tenant id)");
    }

    @ParameterizedTest
    @CsvSource(
            quoteCharacter = '"',
            value = {"\"\"", "\"   \"", "\"\t\""})
    void refusesAnEmptyValueAsInvalid(String value) {
        assertRefused(() -> resolver.resolve(headers("X-Tenant-Id", value), "/"), ProxyFailure.TENANT_INVALID)
                .hasMessage("header 'X-Tenant-Id' is empty (" + EXPECTATION + ")");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"ACME | ACME", "ac me | ac me", "acme/.. | acme/..", "caf\u00e9 | caf?"})
    void refusesAValueOutsideTheTenantIdRulesAsInvalid(String value, String echoed) {
        assertRefused(() -> resolver.resolve(headers("X-Tenant-Id", value), "/"), ProxyFailure.TENANT_INVALID)
                .hasMessage("tenant id '" + echoed + "' from header 'X-Tenant-Id' is not valid (" + EXPECTATION + ")");
    }

    @Test
    void refusesAValueLongerThanTheMaximumAsInvalid() {
        String tooLong = "a".repeat(65);

        assertRefused(() -> resolver.resolve(headers("X-Tenant-Id", tooLong), "/"), ProxyFailure.TENANT_INVALID)
                .hasMessageStartingWith("tenant id 'aaaa");
    }
}
