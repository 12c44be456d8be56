package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantMixTest {
    @Test
    void givesAFewBigTenantsMostOfTheTrafficAndTheRestALongTail() {
        TenantMix mix = new TenantMix(1000, 1.0);

        assertThat(mix.share(1)).isCloseTo(0.134, within(0.001));
        assertThat(mix.share(10)).isCloseTo(0.391, within(0.001));
        assertThat(mix.share(100)).isCloseTo(0.693, within(0.001));
        assertThat(mix.share(1000)).isEqualTo(1.0);
    }

    @Test
    void drawsTenantsInProportionToTheirWeights() {
        TenantMix mix = new TenantMix(1000, 1.0);
        Map<String, Integer> drawn = new HashMap<>();

        for (int i = 0; i < 200_000; i++) {
            drawn.merge(mix.next(), 1, Integer::sum);
        }

        assertThat(drawn.get("tenant-00001") / 200_000.0).isCloseTo(0.134, within(0.01));
        assertThat(drawn.get("tenant-00002") / 200_000.0).isCloseTo(0.067, within(0.01));
        assertThat(drawn.keySet()).allMatch(mix.ids()::contains).hasSizeGreaterThan(900);
    }

    @Test
    void drawsEveryTenantAlikeWithSkewZero() {
        TenantMix mix = new TenantMix(4, 0);

        assertThat(mix.share(1)).isEqualTo(0.25);
        assertThat(mix.ids()).containsExactly("tenant-00001", "tenant-00002", "tenant-00003", "tenant-00004");
    }

    @Test
    void buildsPostBodiesOfExactlyTheAskedSizeAsJson() {
        byte[] body = TenantTraffic.jsonBody(1024);

        assertThat(body).hasSize(1024);
        assertThat(new String(body, java.nio.charset.StandardCharsets.US_ASCII))
                .startsWith("{\"sku\":")
                .endsWith("\"}");
    }
}
