package dev.ferry.router.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scheduled switches: a rule of the routing flag can carry a {@code currentTime DATE_AFTER <instant>} constraint and
 * only start matching then. Decisions are cached, so when such an instant passes the cache must be emptied even though
 * the flag state did not change; this schedules exactly that, for every future instant in the applied document.
 */
final class TimeBoundaries implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String flagName;
    private final Clock clock;
    private final Runnable onBoundary;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-switch-times");
        t.setDaemon(true);
        return t;
    });
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();

    TimeBoundaries(String flagName, Clock clock, Runnable onBoundary) {
        this.flagName = flagName;
        this.clock = clock;
        this.onBoundary = onBoundary;
    }

    /** Replaces the schedule with the future switch times of this document's routing flag. */
    synchronized void schedule(String json) {
        scheduled.forEach(f -> f.cancel(false));
        scheduled.clear();
        Instant now = clock.instant();
        for (Instant at : instants(json, flagName)) {
            if (at.isAfter(now)) {
                // Rounded up, then a millisecond more: the engine sees milliseconds, and DATE_AFTER T matches
                // from T + 1 ms on; a refresh inside millisecond T would decide again by the old rule
                long nanos = Duration.between(now, at).toNanos();
                long delay = (nanos + 999_999) / 1_000_000 + 1;
                scheduled.add(timer.schedule(onBoundary, delay, TimeUnit.MILLISECONDS));
            }
        }
    }

    /** Every {@code currentTime} instant a constraint of the flag's strategies compares with. */
    static TreeSet<Instant> instants(String json, String flagName) {
        TreeSet<Instant> out = new TreeSet<>();
        if (json == null) {
            return out;
        }
        try {
            for (JsonNode feature : JSON.readTree(json).path("features")) {
                if (!flagName.equals(feature.path("name").asText())) {
                    continue;
                }
                for (JsonNode strategy : feature.path("strategies")) {
                    for (JsonNode constraint : strategy.path("constraints")) {
                        if ("currentTime".equals(constraint.path("contextName").asText())
                                && constraint.path("operator").asText().startsWith("DATE_")) {
                            out.add(Instant.parse(constraint.path("value").asText()));
                        }
                    }
                }
            }
        } catch (IOException | DateTimeParseException e) {
            // checked before it was applied; a date the engine accepts but Instant does not is ignored here
        }
        return out;
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
    }
}
