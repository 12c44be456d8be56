package dev.ferry.router.config;

/** The one check every config record uses: a message that names the key, the value and what was expected. */
final class Require {
    private Require() {}

    static void require(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }
}
