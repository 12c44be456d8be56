package dev.ferry.admin.tenants;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Who changed a rule, when and why: written into the payload of every rule flags-admin changes ({@code by}, {@code at},
 * {@code reason}), so that the flag itself, and Unleash's event log with it, says who moved whom.
 *
 * @param by the operator ({@code --by}, else the login name)
 * @param at when, to the millisecond (two changes by one operator within a second stay apart in the history)
 * @param reason why ({@code --reason}); required for a deliberate move back, else may be null
 */
public record Stamp(String by, Instant at, String reason) {
    public Stamp {
        at = at == null ? null : at.truncatedTo(ChronoUnit.MILLIS);
    }
}
