package dev.ferry.router.shadow;

/**
 * When a field's differences between legacy and new are more than noise. With, over one route's compared requests,
 * {@code r = differs(legacy, new) / compared} and, over the requests also sent to legacy a second time, {@code n =
 * differs(legacy, legacy2) / sampled}, the field is a real difference when
 *
 * <pre>
 *   r &gt; n  and  (r - n) / (r + n) &gt; relative  and  r - n &gt; absolute
 * </pre>
 *
 * <p>These are Diffy's two tests, on rates rather than counts because legacy is asked twice only for a sample
 * (Diffy's {@code relativeDifference = |raw - noise| / (raw + noise)} and {@code absoluteDifference = |raw - noise| /
 * total}, both in percent there, with defaults 20 and 0.03). One more condition, Ferry's own: a field is noise only
 * with evidence, so a field never seen to differ between legacy and legacy2 (or before any sample) is real whenever
 * it differs with new.
 *
 * @param relative the least relative excess over noise, a fraction: default 0.20
 * @param absolute the least absolute excess over noise, a fraction of requests: default 0.0003 (0.03 %)
 */
public record NoiseThresholds(double relative, double absolute) {
    public NoiseThresholds {
        if (!(relative >= 0 && relative < 1)) {
            throw new IllegalArgumentException(
                    "shadow.noise.relative-threshold: " + relative + " (expected: a fraction in [0, 1), such as 0.2)");
        }
        if (!(absolute >= 0 && absolute < 1)) {
            throw new IllegalArgumentException("shadow.noise.absolute-threshold: " + absolute
                    + " (expected: a fraction of requests in [0, 1), such as 0.0003)");
        }
    }

    /** Diffy's defaults: 20 % relative, 0.03 % of requests absolute. */
    public static NoiseThresholds defaults() {
        return new NoiseThresholds(0.20, 0.0003);
    }

    /** Whether a field with these counts is a real difference (see the class comment). */
    public boolean real(long differsWithNew, long compared, long differsWithLegacy2, long sampled) {
        if (differsWithNew == 0 || compared == 0) {
            return false;
        }
        if (differsWithLegacy2 == 0 || sampled == 0) {
            return true;
        }
        double r = (double) differsWithNew / compared;
        double n = (double) differsWithLegacy2 / sampled;
        return r > n && (r - n) / (r + n) > relative && r - n > absolute;
    }
}
