package dev.ferry.router.shadow;

/**
 * One field's counters on one route: how many compared requests it differed on between legacy and new, how many
 * sampled requests it differed on between legacy and legacy2, and whether that makes it a real difference.
 */
public record FieldNoise(
        Field field, long differsWithNew, long compared, long differsWithLegacy2, long sampled, boolean real) {
    /** {@code differsWithNew / compared}, 0 before any comparison. */
    public double newRate() {
        return compared == 0 ? 0 : (double) differsWithNew / compared;
    }

    /** {@code differsWithLegacy2 / sampled}, 0 before any sample. */
    public double noiseRate() {
        return sampled == 0 ? 0 : (double) differsWithLegacy2 / sampled;
    }
}
