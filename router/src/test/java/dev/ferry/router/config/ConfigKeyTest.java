package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigKeyTest {
    @ParameterizedTest(name = "{0} is overridden by {1}")
    @CsvSource({
        "pool.max-idle-time, FERRY_POOL_MAX_IDLE_TIME",
        "listen.port, FERRY_LISTEN_PORT",
        "tenant.jwt.hs256-secret, FERRY_TENANT_JWT_HS256_SECRET",
        "forwarding.trust-forwarded-headers, FERRY_FORWARDING_TRUST_FORWARDED_HEADERS"
    })
    void namesTheEnvironmentVariableInUpperSnakeCaseWithTheFerryPrefix(String key, String envName) {
        assertThat(ConfigKey.byKey(key).envName()).isEqualTo(envName);
    }

    @Test
    void givesEveryKeyItsOwnEnvironmentVariable() {
        assertThat(Arrays.stream(ConfigKey.values()).map(ConfigKey::envName)).doesNotHaveDuplicates();
    }

    @Test
    void findsNoKeyForATextThatIsNotOne() {
        assertThat(ConfigKey.byKey("pool.max_idle_time")).isNull();
    }

    @Test
    void marksOnlyTheJwtSecretAndTheUnleashTokenAsSecret() {
        assertThat(Arrays.stream(ConfigKey.values()).filter(ConfigKey::secret))
                .containsExactlyInAnyOrder(ConfigKey.TENANT_JWT_HS256_SECRET, ConfigKey.FLAGS_UNLEASH_TOKEN);
    }
}
