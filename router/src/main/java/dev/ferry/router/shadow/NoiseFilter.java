package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Tells real differences from noise, after Twitter's Diffy: for a sample of requests legacy is asked twice, and a
 * field that differs between legacy and legacy2 (a timestamp, a request id, a random order) differs between legacy and
 * new for the same reason. Counts per route and per field; the test is {@link NoiseThresholds#real}. Fields per route
 * are bounded ({@link #MAX_FIELDS_PER_ROUTE}); beyond, they are counted together as {@link Field#OTHER}. Safe for
 * concurrent use.
 */
public final class NoiseFilter {
    /** Distinct fields counted per route; objects keyed by ids would otherwise grow without end. */
    public static final int MAX_FIELDS_PER_ROUTE = 500;

    private final NoiseThresholds thresholds;
    private final Map<Route, RouteCounts> routes = new ConcurrentHashMap<>();

    public NoiseFilter(NoiseThresholds thresholds) {
        this.thresholds = requireNonNull(thresholds, "thresholds");
    }

    /**
     * Counts one compared request: its diff between legacy and new, and, when legacy was asked twice, the diff between
     * legacy's two answers.
     */
    public void record(Route route, Diff legacyVsNew, Optional<Diff> legacyVsLegacy2) {
        RouteCounts counts = routes.computeIfAbsent(route, r -> new RouteCounts());
        counts.compared.increment();
        legacyVsNew.fields().forEach(f -> counts.field(f).withNew.increment());
        legacyVsLegacy2.ifPresent(noise -> {
            counts.sampled.increment();
            noise.fields().forEach(f -> counts.field(f).withLegacy2.increment());
        });
    }

    /** Whether this field's differences on this route are explained by noise. */
    public boolean isNoise(Route route, Field field) {
        return noisyFields(route).contains(field);
    }

    /** The fields of a route that differ with new, but no more than between legacy and legacy2. */
    public Set<Field> noisyFields(Route route) {
        return fields(route).stream()
                .filter(f -> f.differsWithNew() > 0 && !f.real())
                .map(FieldNoise::field)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Every counted field of a route, the most often different with new first. */
    public List<FieldNoise> fields(Route route) {
        RouteCounts counts = routes.get(route);
        if (counts == null) {
            return List.of();
        }
        long compared = counts.compared.sum();
        long sampled = counts.sampled.sum();
        return counts.fields.entrySet().stream()
                .map(e -> {
                    long withNew = e.getValue().withNew.sum();
                    long withLegacy2 = e.getValue().withLegacy2.sum();
                    boolean real = thresholds.real(withNew, compared, withLegacy2, sampled);
                    return new FieldNoise(e.getKey(), withNew, compared, withLegacy2, sampled, real);
                })
                .sorted(Comparator.comparingLong(FieldNoise::differsWithNew)
                        .reversed()
                        .thenComparing(f -> f.field().toString()))
                .toList();
    }

    private static final class RouteCounts {
        final LongAdder compared = new LongAdder();
        final LongAdder sampled = new LongAdder();
        final Map<Field, FieldCounts> fields = new ConcurrentHashMap<>();

        FieldCounts field(Field field) {
            FieldCounts known = fields.get(field);
            if (known != null) {
                return known;
            }
            Field counted = fields.size() < MAX_FIELDS_PER_ROUTE ? field : Field.OTHER;
            return fields.computeIfAbsent(counted, f -> new FieldCounts());
        }
    }

    private static final class FieldCounts {
        final LongAdder withNew = new LongAdder();
        final LongAdder withLegacy2 = new LongAdder();
    }
}
