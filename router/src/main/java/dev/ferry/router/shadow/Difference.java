package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

/** One difference between legacy's answer and new's: where ({@code at}, exact; {@code field}, aggregated) and how. */
public record Difference(Field field, String at, Kind kind) {
    /** How the two answers differ there. */
    public enum Kind {
        /** One backend failed to answer and the other did, or they failed for different reasons. */
        ERROR,
        /** Statuses of different classes: 2xx against 4xx, 200 against 503. */
        STATUS_CLASS,
        /** Statuses of the same class: 200 against 204. */
        STATUS,
        /** The same place holds another value. */
        CHANGED,
        /** Legacy has it, new does not. */
        MISSING_ON_NEW,
        /** New has it, legacy does not. */
        EXTRA_ON_NEW,
        /** The same place holds another JSON type (a string for a number, an array for an object). */
        TYPE_CHANGED
    }

    public Difference {
        requireNonNull(field, "field");
        requireNonNull(at, "at");
        requireNonNull(kind, "kind");
    }

    @Override
    public String toString() {
        return kind + " " + at;
    }
}
