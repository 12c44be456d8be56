package dev.ferry.router.shadow;

/** How many standing differences a field had on a route, for display. */
public record FieldCount(Field field, long count) {}
