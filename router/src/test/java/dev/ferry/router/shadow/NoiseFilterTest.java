package dev.ferry.router.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.shadow.Difference.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NoiseFilterTest {
    private static final Route ORDERS = Route.parse("GET /orders/{id}");
    private static final Field GENERATED_AT = new Field(Field.Part.JSON, "generatedAt");
    private static final Field PRICE = new Field(Field.Part.JSON, "items[*].price");

    private final NoiseFilter filter = new NoiseFilter(NoiseThresholds.defaults());

    private static Diff differing(Field... fields) {
        return new Diff(
                java.util.Arrays.stream(fields)
                        .map(f -> new Difference(f, f.path(), Kind.CHANGED))
                        .toList(),
                false);
    }

    /** {@code n} requests, every {@code sampleEvery}-th also sent to legacy2. */
    private void record(int n, int sampleEvery, Diff withNew, Diff withLegacy2) {
        for (int i = 0; i < n; i++) {
            filter.record(ORDERS, withNew, i % sampleEvery == 0 ? Optional.of(withLegacy2) : Optional.empty());
        }
    }

    @Test
    void callsAFieldNoiseWhenLegacyDiffersFromItselfAsOften() {
        record(1000, 10, differing(GENERATED_AT), differing(GENERATED_AT));
        assertThat(filter.noisyFields(ORDERS)).containsExactly(GENERATED_AT);
        assertThat(filter.isNoise(ORDERS, GENERATED_AT)).isTrue();
        assertThat(filter.fields(ORDERS)).containsExactly(new FieldNoise(GENERATED_AT, 1000, 1000, 100, 100, false));
    }

    @Test
    void callsAFieldRealWhenItDiffersWithNewFarMoreThanWithLegacy2() {
        record(1000, 10, differing(GENERATED_AT, PRICE), differing(GENERATED_AT));
        assertThat(filter.noisyFields(ORDERS)).containsExactly(GENERATED_AT);
        assertThat(filter.isNoise(ORDERS, PRICE)).isFalse();
    }

    @Test
    void needsEvidenceOfNoiseBeforeCallingAFieldNoise() {
        record(10_000, 10, Diff.NONE, Diff.NONE);
        filter.record(ORDERS, differing(PRICE), Optional.empty());
        assertThat(filter.fields(ORDERS)).singleElement().satisfies(f -> assertThat(f.real())
                .isTrue());
        assertThat(filter.noisyFields(ORDERS)).isEmpty();
    }

    @Test
    void appliesDiffysRelativeTest() {
        NoiseThresholds thresholds = NoiseThresholds.defaults();
        // r = 0.15, n = 0.10: (r - n) / (r + n) = 0.2, not above 20 %
        assertThat(thresholds.real(150, 1000, 10, 100)).isFalse();
        // r = 0.16, n = 0.10: 0.23
        assertThat(thresholds.real(160, 1000, 10, 100)).isTrue();
        // r below n
        assertThat(thresholds.real(50, 1000, 10, 100)).isFalse();
    }

    @Test
    void appliesDiffysAbsoluteTest() {
        NoiseThresholds thresholds = NoiseThresholds.defaults();
        // r = 4 in 10,000, n = 1 in 100,000: excess 0.039 %, above 0.03 %
        assertThat(thresholds.real(4, 10_000, 1, 100_000)).isTrue();
        // r = 3 in 10,000: excess 0.029 %, not above
        assertThat(thresholds.real(3, 10_000, 1, 100_000)).isFalse();
    }

    @Test
    void keepsCountsPerRoute() {
        record(100, 1, differing(GENERATED_AT), differing(GENERATED_AT));
        assertThat(filter.noisyFields(Route.OTHER)).isEmpty();
        assertThat(filter.fields(Route.OTHER)).isEmpty();
    }

    @Test
    void boundsTheFieldsCountedPerRoute() {
        for (int i = 0; i < NoiseFilter.MAX_FIELDS_PER_ROUTE + 10; i++) {
            filter.record(ORDERS, differing(new Field(Field.Part.JSON, "byId.k" + i)), Optional.empty());
        }
        List<FieldNoise> fields = filter.fields(ORDERS);
        assertThat(fields).hasSize(NoiseFilter.MAX_FIELDS_PER_ROUTE + 1);
        assertThat(fields.get(0)).isEqualTo(new FieldNoise(Field.OTHER, 10, 510, 0, 0, true));
    }
}
