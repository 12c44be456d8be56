package dev.ferry.loadtest;

import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.FlagsFileStore;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.Schedule;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.unleash.AdminApi;
import dev.ferry.admin.unleash.UnleashAdminStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Moves tenants the way an operator does, through flags-admin's own code (its store, its one-way guard, its schedule):
 * the flag format has one writer, and a load test exercises it. The store is the router's flags file or Unleash.
 */
final class Moves {
    private static final Operator LOAD_TEST = new Operator("loadtest", "load test", false);
    private static final Change.MoveFields FIELDS =
            new Change.MoveFields("ferry.rule", new Schedule.Fields("startsAt", "immediate"));

    private final MigrationStore store;

    private Moves(MigrationStore store) {
        this.store = store;
    }

    /** The router's local flags file ({@code flags.source: file}). */
    static Moves inFile(Path file, String flag) {
        return new Moves(new FlagsFileStore(file, flag));
    }

    /** The routing flag on an Unleash server, project default, environment development. */
    static Moves inUnleash(URI unleash, String adminToken, String flag) {
        return new Moves(new UnleashAdminStore(new AdminApi(unleash, adminToken), "default", "development", flag));
    }

    /** Fails with a message saying what to fix unless the routing flag exists and is enabled. */
    void requireRoutable() {
        if (!store.read().migration().enabled()) {
            throw new IllegalStateException("the routing flag is disabled in " + store.describe()
                    + ": no tenant would move (expected: the flag enabled)");
        }
    }

    /**
     * Moves tenants to new in one scheduled move, at the fleet-safe time for {@code lead}, listed in {@code rule}.
     *
     * @return when the fleet switches them
     */
    Instant toNew(Collection<String> tenants, String rule, Lead lead) {
        Schedule schedule = new Schedule(null, false, lead, Instant.now());
        Change change = Change.move(new LinkedHashSet<>(tenants), Backend.NEW, rule, schedule, FIELDS);
        Plan plan = new TenantMover(store, Clock.systemUTC(), Progress.none()).apply(change, LOAD_TEST);
        if (plan.refused()) {
            throw new IllegalStateException("flags-admin refused the move: " + plan.refusals());
        }
        return change.at();
    }

    /**
     * Adds {@code on} to the shadow flag's list and takes {@code off} out of it, as {@code flags-admin shadow on} and
     * {@code off} do (again on a fresh list if another writer changed it meanwhile).
     */
    void shadow(String shadowFlag, Collection<String> on, Collection<String> off) {
        new TenantMover(store, Clock.systemUTC(), Progress.none()).shadow(shadowFlag, Set.copyOf(on), Set.copyOf(off));
    }

    /** The lead these router replicas need (their longest lease, largest clock-skew bound), from their admin ports. */
    static Lead leadOf(List<URI> routers) {
        return new FleetCheck(Duration.ofSeconds(3)).check(routers).lead();
    }
}
