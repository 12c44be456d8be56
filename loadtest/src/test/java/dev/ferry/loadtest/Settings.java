package dev.ferry.loadtest;

import java.time.Duration;
import java.util.Locale;

/**
 * A simulation's knobs: system properties ({@code -Drate=500}), each with a default, checked when the simulation is
 * built so that a typo stops the run before any request is sent. Messages name the property, the value and what was
 * expected, like the router's configuration messages.
 */
final class Settings {
    private Settings() {}

    static String text(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null ? fallback : value.trim();
    }

    /** A number above zero, such as a rate in requests per second. */
    static double positive(String name, double fallback) {
        double value = number(name, fallback);
        require(value > 0, name, "a number > 0");
        return value;
    }

    /** A number of at least zero, such as an exponent. */
    static double positiveOrZero(String name, double fallback) {
        double value = number(name, fallback);
        require(value >= 0, name, "a number >= 0");
        return value;
    }

    /** A whole number of at least {@code min}, such as a count of tenants. */
    static int count(String name, int fallback, int min) {
        double value = number(name, fallback);
        require(
                value == Math.rint(value) && value >= min && value <= Integer.MAX_VALUE,
                name,
                "a whole number >= " + min);
        return (int) value;
    }

    /** Whole seconds, at least {@code min}. */
    static Duration seconds(String name, int fallback, int min) {
        return Duration.ofSeconds(count(name, fallback, min));
    }

    /** A percentage, 0 to 100. */
    static double percent(String name, double fallback) {
        double value = number(name, fallback);
        require(value >= 0 && value <= 100, name, "a percentage from 0 to 100");
        return value;
    }

    /** An http:// or https:// URL without a trailing slash. */
    static String url(String name, String fallback) {
        String value = text(name, fallback);
        require(value.startsWith("http://") || value.startsWith("https://"), name, "an http:// or https:// URL");
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    private static double number(String name, double fallback) {
        String raw = System.getProperty(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: '%s' (expected: a number)", name, raw));
        }
    }

    private static void require(boolean ok, String name, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: '%s' (expected: %s)", name, System.getProperty(name), expected));
        }
    }
}
