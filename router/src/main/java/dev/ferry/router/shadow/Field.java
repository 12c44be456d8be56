package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

/**
 * What differences are counted by: a part of the answer and, for a header its name, for a JSON body the aggregated
 * path ({@code items[*].price}). Values are never kept: answers carry tenants' data, differences only their place.
 */
public record Field(Part part, String path) {
    /** Where in an answer. */
    public enum Part {
        /** One backend failed to answer, or they failed differently. */
        ERROR,
        /** The status code. */
        STATUS,
        /** A compared header. */
        HEADER,
        /** A JSON body's member, by aggregated path. */
        JSON,
        /** A body that is not JSON, compared byte by byte. */
        BODY,
        /** Fields beyond a route's bounded count, counted together. */
        OTHER
    }

    public static final Field ERROR = new Field(Part.ERROR, "");
    public static final Field STATUS = new Field(Part.STATUS, "");
    public static final Field BODY = new Field(Part.BODY, "");
    public static final Field OTHER = new Field(Part.OTHER, "");

    public Field {
        requireNonNull(part, "part");
        requireNonNull(path, "path");
    }

    static Field header(String name) {
        return new Field(Part.HEADER, name);
    }

    static Field json(JsonPath aggregated) {
        return new Field(Part.JSON, aggregated.toString());
    }

    /** {@code items[*].price}, {@code header content-type}, {@code status}, {@code error}, {@code body}, {@code other}. */
    @Override
    public String toString() {
        return switch (part) {
            case JSON -> path;
            case HEADER -> "header " + path;
            default -> part.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
