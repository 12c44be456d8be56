package dev.ferry.admin.tenants;

import java.util.List;
import java.util.Set;

/**
 * Where the routing flag lives: an Unleash server (Admin API) or a local client-features file. Both read it as a
 * {@link Migration} and write one back only if nobody changed it in between.
 */
public interface MigrationStore {
    /**
     * @throws BadInputException when the flag (or the file) does not exist
     * @throws StoreUnavailableException when the store cannot be read
     */
    Snapshot read();

    /**
     * Writes {@code next} over the state {@code base} read, and nothing else: first checks that the flag is still what
     * {@code base} read.
     *
     * @param entry the change in migration terms, for a store that keeps its own audit trail
     * @return the store's revision after the write
     * @throws ConflictException when the flag changed since {@code base} was read; the message says whether part of
     *     the change was written
     */
    String write(Snapshot base, Migration next, HistoryEntry entry, Progress progress);

    /** The migration's changes, oldest first. */
    List<HistoryEntry> history(Progress progress);

    /**
     * Whether the migration window is open: its flag exists and is enabled (docs/cutover.md). While it is, a router
     * replica that cannot confirm its flag state within its lease holds legacy-bound requests, then refuses them.
     */
    boolean windowOpen(String windowFlag);

    /** Opens or closes the migration window: enables or disables its flag, creating it (off) first if missing. */
    void window(String windowFlag, boolean open);

    /**
     * The tenants the shadow flag lists (docs/shadow.md), read as the router reads it ({@code ShadowFlag}): nobody
     * when the flag is missing or off.
     *
     * @throws BadInputException when the flag has a shape the router does not read as a list of tenants
     */
    Set<String> shadowed(String shadowFlag);

    /**
     * Adds {@code on} to the shadow flag's list of tenants and takes {@code off} out of it, creating the flag when
     * missing, in the shape the router reads: enabled, one strategy with one constraint {@code tenantId IN [...]}. With
     * nobody left, the flag is turned off.
     *
     * @return the tenants shadowed after the change
     * @throws BadInputException when the flag has a shape the router does not read as a list of tenants (left as it
     *     is, for a person to look at)
     */
    Set<String> shadow(String shadowFlag, Set<String> on, Set<String> off);

    /** "flags file ferry-demo/flags.json", "Unleash http://127.0.0.1:4242 (project default, environment development)". */
    String describe();

    /**
     * A migration as read, with what it takes to tell later whether it is still current.
     *
     * @param digest a digest of the flag's state as read: compared again just before writing
     */
    record Snapshot(Migration migration, String digest) {}
}
