package dev.ferry.admin.tenants;

import java.util.Locale;

/** Where a tenant is served: the two backends of a migration, as rule payloads name them. */
public enum Backend {
    LEGACY,
    NEW;

    /** The name in payloads and output: {@code legacy} or {@code new}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws BadInputException naming the value and what was expected
     */
    public static Backend of(String raw) {
        return switch (raw == null ? "" : raw.toLowerCase(Locale.ROOT)) {
            case "legacy" -> LEGACY;
            case "new" -> NEW;
            default -> throw new BadInputException("backend '" + raw + "' (expected: legacy or new)");
        };
    }
}
