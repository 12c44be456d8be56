package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WaveHashTest {
    @ParameterizedTest
    @CsvSource({"'', 0x00000000", "hello, 0x248bfa47", "'The quick brown fox jumps over the lazy dog', 0x2e4ff723"})
    void hashesLikeTheReferenceMurmur3(String text, String expected) {
        int hash = WaveHash.murmur3(text.getBytes(StandardCharsets.UTF_8), 0);

        assertThat(hash).isEqualTo(Integer.parseUnsignedInt(expected.substring(2), 16));
    }

    @ParameterizedTest
    @CsvSource({"wave-1, acme", "wave-1, globex", "pilot, tenant-00042"})
    void normalisesIntoOneToAHundred(String groupId, String tenant) {
        assertThat(WaveHash.normalized(groupId, tenant)).isBetween(1, 100);
    }
}
