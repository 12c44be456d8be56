package dev.ferry.admin.tenants;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Start times as operators write them, checked for what Unleash can match. */
public final class Times {
    private Times() {}

    public static Instant parse(String raw, String option) {
        if (raw == null) {
            return null;
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(raw).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadInputException(option + " '" + raw + "' is not a time (expected: ISO-8601 with a zone, such as"
                    + " 2026-12-01T02:00:00Z)");
        }
        if (time.getNano() % 1_000_000 != 0) {
            throw new BadInputException(option + " '" + raw + "' has more than milliseconds (expected: at most"
                    + " 2026-12-01T02:00:00.000Z; Unleash never matches a time with more digits)");
        }
        return time;
    }
}
