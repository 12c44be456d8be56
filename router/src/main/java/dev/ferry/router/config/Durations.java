package dev.ferry.router.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h} (or ISO-8601, {@code PT2S}). */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {}

    /**
     * @throws IllegalArgumentException with "expected" wording, when the text is not a duration (or one too long to
     *     count in milliseconds, which the checks and timers that use it do)
     */
    public static Duration parse(String text) {
        try {
            Duration d = parseUnchecked(text.trim());
            if (!d.isNegative()) {
                d.toMillis(); // throws for a duration of millions of years
                return d;
            }
        } catch (java.time.format.DateTimeParseException | NumberFormatException | ArithmeticException ignored) {
            // reported below, with what is expected
        }
        throw new IllegalArgumentException("expected: a duration such as 250ms, 2s, 5m or 1h");
    }

    private static Duration parseUnchecked(String t) {
        Matcher m = SIMPLE.matcher(t);
        if (!m.matches()) {
            return Duration.parse(t);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
