package dev.ferry.admin.cli;

import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.Strategies;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code --wait-for-fleet}: the replicas must agree before a change is written, and the command waits until every one
 * routes by a new routing table after it. What it says goes to stderr, so that stdout stays the plan (or its JSON).
 */
final class FleetWait {
    private static final Duration POLL = Duration.ofMillis(250);

    private final FleetCheck check = new FleetCheck(Duration.ofSeconds(3));
    private final List<URI> routers;
    private final Duration timeout;
    private final PrintWriter err;
    private String before;
    private FleetCheck.Verdict agreed;

    private FleetWait(List<URI> routers, Duration timeout, PrintWriter err) {
        this.routers = routers;
        this.timeout = timeout;
        this.err = err;
    }

    static FleetWait of(List<String> urls, int timeoutSeconds, CommandSpec spec) {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new BadInputException("--fleet-timeout: " + timeoutSeconds + " (expected: 1 to 3600 seconds)");
        }
        return new FleetWait(
                FleetCommand.parse(urls, "--wait-for-fleet"),
                Duration.ofSeconds(timeoutSeconds),
                spec.commandLine().getErr());
    }

    /** Whether the replicas agree now; says which do not when they do not. */
    boolean agreesBefore() {
        FleetCheck.Verdict verdict = check.check(routers);
        if (!verdict.agrees()) {
            err.println("NOT WRITTEN: the " + routers.size() + " replicas given to --wait-for-fleet do not agree before"
                    + " the change (" + FleetCommand.summary(verdict) + "); 'flags-admin fleet' shows each one.");
            err.flush();
            return false;
        }
        before = verdict.tables().keySet().iterator().next();
        agreed = verdict;
        return true;
    }

    /** How far ahead these replicas need a move: their longest lease and largest clock-skew bound. */
    Lead lead() {
        return agreed == null ? Lead.DEFAULT : agreed.lead();
    }

    /**
     * After the move's time (and the hold after it): waits until every replica routes the first moved tenant to new,
     * and says so. Without tenant names (a wave), waits until new has opened for the moved tenants everywhere.
     */
    boolean untilMoved(Instant at, Set<String> tenants) {
        Instant opens = at.plus(agreed == null ? Lead.DEFAULT.clockSkew().plusSeconds(1) : agreed.opensAfter());
        long deadline = System.nanoTime() + timeout.toNanos();
        String tenant = tenants.isEmpty() ? null : tenants.iterator().next();
        while (true) {
            Instant now = Instant.now();
            if (!now.isBefore(opens)) {
                List<URI> behind = tenant == null ? List.of() : notOnNew(tenant);
                if (behind.isEmpty()) {
                    err.println("Switched at " + Strategies.formatTime(at) + " on every replica (" + routers.size()
                            + "); new open for the moved tenants since "
                            + Strategies.formatTime(opens)
                            + (tenant == null ? "." : " (checked with " + tenant + ")."));
                    err.flush();
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    err.println("WRITTEN, but after " + timeout.toSeconds() + " s " + behind.size() + " replica(s) do"
                            + " not route " + tenant + " to new: " + behind + "; 'flags-admin fleet' shows each one.");
                    err.flush();
                    return false;
                }
            } else if (System.nanoTime() >= deadline) {
                err.println("WRITTEN; the fleet switches at " + Strategies.formatTime(at) + ", after --fleet-timeout"
                        + " ran out: 'flags-admin fleet' shows each replica.");
                err.flush();
                return false;
            }
            sleep(now.isBefore(opens) ? Duration.between(now, opens).toMillis() : POLL.toMillis());
        }
    }

    /** The replicas that do not route the tenant to new. */
    private List<URI> notOnNew(String tenant) {
        List<URI> out = new ArrayList<>();
        for (URI router : routers) {
            if (!"new".equals(check.backendOf(router, tenant))) {
                out.add(router);
            }
        }
        return out;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(1, Math.min(millis, 1000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every replica routes by one routing table other than the one before; says when, or that not. */
    boolean untilEveryReplicaSwitched() {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        FleetCheck.Verdict verdict;
        while (true) {
            verdict = check.check(routers);
            if (verdict.agrees() && !verdict.tables().containsKey(before)) {
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                err.println("Every replica (" + routers.size() + ") routes by routing table "
                        + verdict.tables().keySet().iterator().next() + ", " + took.toMillis() + " ms after the write"
                        + " (before: " + before + ").");
                err.flush();
                return true;
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        err.println("WRITTEN, but not every replica routes by it after " + timeout.toSeconds() + " s ("
                + FleetCommand.summary(verdict) + "): replicas still on " + before + " may route the moved tenants"
                + " the old way; 'flags-admin fleet' shows each one.");
        err.flush();
        return false;
    }
}
