package dev.ferry.router.shadow;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The differences between two answers, in a fixed order (error, status, headers, body in document order), at most
 * {@link Differ#MAX_DIFFERENCES}; {@code capped} when there were more.
 */
public record Diff(List<Difference> differences, boolean capped) {
    public static final Diff NONE = new Diff(List.of(), false);

    public Diff {
        differences = List.copyOf(differences);
    }

    /** No difference at all. */
    public boolean isMatch() {
        return differences.isEmpty();
    }

    /** Statuses of different classes (2xx against 4xx), or one side failed: never noise. */
    public boolean statusClassMismatch() {
        return differences.stream().anyMatch(d -> d.kind() == Difference.Kind.STATUS_CLASS);
    }

    /** The fields that differ, each once, in order. */
    public Set<Field> fields() {
        Set<Field> fields = new LinkedHashSet<>();
        differences.forEach(d -> fields.add(d.field()));
        return fields;
    }
}
