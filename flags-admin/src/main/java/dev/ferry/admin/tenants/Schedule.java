package dev.ferry.admin.tenants;

import java.time.Instant;

/**
 * When a change's moves to new take effect, as an operator asks for it, whichever front end: the one place that
 * decides. By default at one instant for the whole fleet, {@link Lead} ahead; at a start the operator names, if it is
 * no sooner than that; or at once, only when asked for explicitly ({@code --immediate}), because then each replica
 * switches at its own next poll and for that time both backends can take a moving tenant's writes.
 *
 * @param startsAt the start the operator named, or null
 * @param immediate the operator asked for an immediate move
 * @param lead how far ahead the fleet-safe time is
 * @param now the time of the change
 */
public record Schedule(Instant startsAt, boolean immediate, Lead lead, Instant now) {
    /** What an immediate move risks, for the command's warning. */
    public static final String IMMEDIATE_RISK = "each replica switches at its own next poll of the flag server (up to"
            + " a couple of seconds apart), and for that time both backends can take these tenants' requests; with"
            + " one-way replication a write that reaches legacy after one reached new is lost";

    /** The fleet-safe default, {@link Lead#DEFAULT} ahead of now. */
    public static Schedule fleetSafe(Instant now) {
        return new Schedule(null, false, Lead.DEFAULT, now);
    }

    /**
     * The instant the moves take effect, or null for at once.
     *
     * @param fields how the front end spells the options, for messages
     * @throws BadInputException for a start and immediate together, or a start sooner than the fleet can switch at
     */
    public Instant start(Fields fields) {
        if (immediate && startsAt != null) {
            throw new BadInputException(fields.startsAt() + " with " + fields.immediate()
                    + " (expected: one of them: a start, or at once)");
        }
        if (immediate) {
            return null;
        }
        if (startsAt == null) {
            return lead.from(now);
        }
        Instant earliest = now.plus(lead.total());
        if (startsAt.isBefore(earliest)) {
            throw new BadInputException(fields.startsAt() + " " + Strategies.formatTime(startsAt) + " is sooner than"
                    + " the fleet can switch at one instant (expected: " + Strategies.formatTime(lead.from(now))
                    + " or later, " + lead.describe() + "; or " + fields.immediate() + ")");
        }
        return startsAt;
    }

    /** How a front end names the schedule's options in its messages. */
    public record Fields(String startsAt, String immediate) {}
}
