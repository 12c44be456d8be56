package dev.ferry.router.exchange;

import java.util.Locale;

/** The two places a tenant can live. A tenant is served by exactly one of them at any time. */
public enum Backend {
    LEGACY,
    NEW;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in config keys, metric tags, JSON and the served-by header. */
    public String tag() {
        return tag;
    }
}
