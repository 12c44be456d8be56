package dev.ferry.admin.cli;

import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.tenants.BadInputException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
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
        return true;
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
