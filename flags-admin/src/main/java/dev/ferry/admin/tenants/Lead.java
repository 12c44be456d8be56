package dev.ferry.admin.tenants;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * How far ahead a move is scheduled so that the whole fleet switches at one instant (docs/cutover.md): every replica
 * whose flag state is fresher than its lease has fetched the move before the earliest replica's clock reaches the hold
 * before T, so {@code lead = lease + 3 x clock skew + propagation} (the skew counts for the replica that holds first,
 * the replica that judges its freshness and this machine's clock, which picks T).
 *
 * @param lease the routers' {@code cutover.lease}
 * @param clockSkew the routers' {@code cutover.clock-skew}
 * @param propagation how long the flag server takes to serve a write (Unleash refreshes its revision every second)
 */
public record Lead(Duration lease, Duration clockSkew, Duration propagation) {
    /** The routers' defaults, and Unleash's one-second revision refresh with room to spare. */
    public static final Lead DEFAULT = new Lead(Duration.ofSeconds(3), Duration.ofMillis(250), Duration.ofMillis(1500));

    public Duration total() {
        return lease.plus(clockSkew.multipliedBy(3)).plus(propagation);
    }

    /** The fleet-safe time of a move written now: now + the lead, rounded up to a whole second for people to read. */
    public Instant from(Instant now) {
        Instant at = now.plus(total());
        Instant whole = at.truncatedTo(ChronoUnit.SECONDS);
        return whole.equals(at) ? whole : whole.plusSeconds(1);
    }

    /** The sum, as the command shows it: {@code lease 3s + 3 x clock skew 250ms + propagation 1500ms}. */
    public String describe() {
        return "lease " + format(lease) + " + 3 x clock skew " + format(clockSkew) + " + propagation "
                + format(propagation);
    }

    static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
