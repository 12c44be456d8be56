package dev.ferry.router.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as operators write them: {@code 512k}, {@code 100m}, {@code 1g} (powers of 1024), or bytes. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)b?");

    private Sizes() {}

    /** @throws IllegalArgumentException with "expected" wording, when the text is not a size */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                int shift =
                        switch (m.group(2)) {
                            case "k" -> 10;
                            case "m" -> 20;
                            case "g" -> 30;
                            default -> 0;
                        };
                if (n <= (Long.MAX_VALUE >> shift)) {
                    return n << shift;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new IllegalArgumentException("expected: a size such as 512k, 100m or 1g");
    }

    public static String format(long bytes) {
        for (String unit : new String[] {"g", "m", "k"}) {
            int shift = unit.equals("g") ? 30 : unit.equals("m") ? 20 : 10;
            if (bytes > 0 && bytes % (1L << shift) == 0) {
                return (bytes >> shift) + unit;
            }
        }
        return Long.toString(bytes);
    }
}
