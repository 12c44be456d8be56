package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A compared request's verdict, and the differences that stand: none for {@code MATCH}, {@code NOISE} and {@code
 * LAG}; the real ones for {@code DIFFERENT} (after a re-read, the re-read's) and {@code LAG_PENDING_RECHECK}.
 */
public record Judgement(DiffVerdict verdict, List<Difference> standing) {
    public Judgement {
        requireNonNull(verdict, "verdict");
        standing = List.copyOf(standing);
    }

    /** A standing difference of status class (2xx against 4xx). */
    public boolean statusClassMismatch() {
        return standing.stream().anyMatch(d -> d.kind() == Difference.Kind.STATUS_CLASS);
    }
}
