package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Configuration from any environment: every value is either taken or named in an {@link InvalidConfigException} that
 * lists what was wrong; nothing else is thrown.
 */
class ConfigFuzzTest {
    /**
     * Every key but {@code tenant.id-pattern}: that one is a regular expression by design, written by the operator
     * (a trusted party), and a bad one is named like any other problem.
     */
    private static final ConfigKey[] KEYS = java.util.Arrays.stream(ConfigKey.values())
            .filter(k -> k != ConfigKey.TENANT_ID_PATTERN)
            .toArray(ConfigKey[]::new);

    @FuzzTest(maxDuration = "5s")
    void takesAConfigurationOrListsItsProblems(FuzzedDataProvider data) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_BACKENDS_LEGACY_URL", "http://127.0.0.1:8081");
        env.put("FERRY_BACKENDS_NEW_URL", "http://127.0.0.1:8082");
        int count = data.consumeInt(1, 6);
        for (int i = 0; i < count; i++) {
            ConfigKey key = data.pickValue(KEYS);
            env.put(key.envName(), data.consumeString(60));
        }
        try {
            ConfigLoader.load(Map.of(), Optional.empty(), env);
        } catch (InvalidConfigException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).contains("expected"));
        }
    }
}
