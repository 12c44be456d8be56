package dev.ferry.router.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.getunleash.engine.UnleashEngine;
import java.time.Instant;
import java.util.List;

/**
 * One applied flag state, immutable, swapped as a whole when the SDK applies a new one. Decisions are cached per
 * state: a new state starts with an empty cache, so no decision outlives the state it was made from.
 *
 * @param origin where the state came from: {@code file}, {@code unleash}, {@code backup} or {@code bootstrap}
 * @param revision the server's revision id (or a digest of the file) of the document the flag last changed in
 * @param digest SHA-256 of the routing flag's definition, to tell a change of it from any other change
 * @param engine the Unleash engine holding exactly this state: decisions and state can never disagree
 * @param flagPresent whether the state holds the routing flag at all
 * @param appliedAt when Ferry applied it
 * @param switchTimes the {@code currentTime} instants the routing flag's rules compare with, in order: when a scheduled
 *     move happens
 */
record FlagState(
        boolean loaded,
        String origin,
        String revision,
        String digest,
        boolean flagPresent,
        Instant appliedAt,
        Cache<String, RoutingDecision> decisions,
        UnleashEngine engine,
        List<Instant> switchTimes) {

    static FlagState notLoaded() {
        Cache<String, RoutingDecision> none =
                Caffeine.newBuilder().maximumSize(0).build();
        return new FlagState(false, "none", "", "", false, Instant.EPOCH, none, null, List.of());
    }

    static FlagState applied(
            String origin,
            String revision,
            String digest,
            boolean flagPresent,
            Instant at,
            int cacheMaxTenants,
            UnleashEngine engine,
            List<Instant> switchTimes) {
        Cache<String, RoutingDecision> cache = Caffeine.newBuilder()
                .maximumSize(cacheMaxTenants)
                // Evictions run on the thread that caused them: no hand-off to a pool on the request path.
                .executor(Runnable::run)
                .build();
        return new FlagState(true, origin, revision, digest, flagPresent, at, cache, engine, List.copyOf(switchTimes));
    }

    /** The same state with an empty decision cache, after a scheduled switch time passed. */
    FlagState withFreshCache(int cacheMaxTenants) {
        return applied(origin, revision, digest, flagPresent, appliedAt, cacheMaxTenants, engine, switchTimes);
    }

    /** The first 12 hex digits of {@link #digest}: the routing table's name in metrics and the admin API. */
    String routingTable() {
        return digest.isEmpty() ? "none" : digest.substring(0, Math.min(12, digest.length()));
    }

    boolean routable() {
        return loaded && flagPresent;
    }
}
