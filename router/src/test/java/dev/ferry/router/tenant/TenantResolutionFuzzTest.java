package dev.ferry.router.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.router.config.TenantConfig;
import dev.ferry.router.exchange.ProxyException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Tenant extraction from hostile input: any header values, Host, path and bearer token. Whatever comes in, Ferry
 * either names one valid tenant (and a path that stays a path) or refuses with its own error: never another
 * exception, never an id outside the rules.
 */
class TenantResolutionFuzzTest {
    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes-for-fuzzing";
    private static final TenantIdRules RULES = new TenantIdRules(Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*"), 64);
    private static final TenantResolvers ALL = new TenantResolvers(
            new TenantConfig(
                    List.of(
                            TenantConfig.Source.HEADER,
                            TenantConfig.Source.HOST,
                            TenantConfig.Source.PATH,
                            TenantConfig.Source.JWT),
                    "X-Tenant-Id",
                    "{tenant}.example.com",
                    "/t/",
                    true,
                    new TenantConfig.JwtConfig("tenant_id", SECRET, "", "", "", java.time.Duration.ofMinutes(5)),
                    RULES.pattern(),
                    64,
                    TenantConfig.WhenMissing.REJECT,
                    true),
            RULES);

    @FuzzTest(maxDuration = "5s")
    void namesOneValidTenantOrRefusesWithItsOwnError(FuzzedDataProvider data) {
        HttpHeaders headers = new DefaultHttpHeaders(false);
        int count = data.consumeInt(0, 3);
        for (int i = 0; i < count; i++) {
            headers.add("X-Tenant-Id", data.consumeString(80));
        }
        if (data.consumeBoolean()) {
            headers.add("Host", data.consumeString(80));
        }
        if (data.consumeBoolean()) {
            headers.add("Authorization", "Bearer " + data.consumeString(400));
        }
        String uri = "/" + data.consumeRemainingAsString();
        try {
            TenantResolution resolution = ALL.resolve(headers, uri);
            if (resolution.tenant() != null) {
                String id = resolution.tenant().value();
                assertThat(id).hasSizeLessThanOrEqualTo(64).matches(RULES.pattern());
            }
            assertThat(resolution.uri()).startsWith("/");
        } catch (ProxyException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
