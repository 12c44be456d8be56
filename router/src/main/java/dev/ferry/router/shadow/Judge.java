package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a diff into a {@link DiffVerdict}:
 *
 * <pre>
 *   no difference ─────────────────────────────────────────────▶ MATCH
 *   every difference in a noisy field (never a status class) ──▶ NOISE
 *   the tenant did not write within the lag bound ─────────────▶ DIFFERENT
 *   it did, and new was not read again yet ────────────────────▶ LAG_PENDING_RECHECK
 *   new read again after the bound: no real difference left ──▶ LAG, else DIFFERENT
 * </pre>
 */
public final class Judge {
    private final Differ differ;

    public Judge(Differ differ) {
        this.differ = requireNonNull(differ, "differ");
    }

    /**
     * @param legacy legacy's answer, against which a re-read is compared
     * @param diff legacy's answer against new's
     * @param noisyFields the route's noisy fields ({@link NoiseFilter#noisyFields})
     * @param wroteWithinLagBound whether the tenant wrote within the lag bound before the read ({@link LagBound#covers})
     * @param reread new's answer to the same request, read again after the bound, if it was
     */
    public Judgement judge(
            Exchange legacy,
            Diff diff,
            CompareRules rules,
            Set<Field> noisyFields,
            boolean wroteWithinLagBound,
            Optional<Exchange> reread) {
        if (diff.isMatch()) {
            return new Judgement(DiffVerdict.MATCH, List.of());
        }
        List<Difference> real = real(diff, noisyFields);
        if (real.isEmpty()) {
            return new Judgement(DiffVerdict.NOISE, List.of());
        }
        if (!wroteWithinLagBound) {
            return new Judgement(DiffVerdict.DIFFERENT, real);
        }
        if (reread.isEmpty()) {
            return new Judgement(DiffVerdict.LAG_PENDING_RECHECK, real);
        }
        List<Difference> left = real(differ.compare(legacy, reread.get(), rules), noisyFields);
        return left.isEmpty() ? new Judgement(DiffVerdict.LAG, List.of()) : new Judgement(DiffVerdict.DIFFERENT, left);
    }

    /**
     * The differences noise does not explain. A status-class difference never is noise, nor is one in a field that
     * stands for a whole part of the answer (the status, a failure, a body compared byte by byte, fields past the
     * count kept): legacy varying there would otherwise hide anything new does there.
     */
    private static List<Difference> real(Diff diff, Set<Field> noisyFields) {
        return diff.differences().stream()
                .filter(d -> d.kind() == Difference.Kind.STATUS_CLASS
                        || COARSE.contains(d.field().part())
                        || !noisyFields.contains(d.field()))
                .toList();
    }

    private static final Set<Field.Part> COARSE =
            java.util.EnumSet.of(Field.Part.STATUS, Field.Part.ERROR, Field.Part.BODY, Field.Part.OTHER);
}
