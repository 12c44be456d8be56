package dev.ferry.router.cutover;

import dev.ferry.router.config.CutoverConfig;
import dev.ferry.router.config.CutoverConfig.LeaseMode;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.RoutingDecision.Move;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import java.time.Clock;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2b: may a routed request go now, or must it wait? (docs/cutover.md)
 *
 * <pre>
 *   move ahead at T, now &lt; T - skew      go to the old backend, with a deadline of T - skew + legacy-deadline
 *   T - skew &lt;= now &lt; T + skew + deadline  hold (every replica holds: no backend takes the tenant)
 *   after that, check not passed yet      hold, polling the pre-activation check
 *   after that                            go to the new backend
 *   legacy-bound on a stale replica       hold until the state is fresh again, else 503 routing_stale
 * </pre>
 *
 * The gate is a few comparisons on the event loop; holds are watched by one timer thread.
 */
public final class Cutover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cutover.class);
    /** How often held requests are looked at: the granularity of a release. */
    private static final long TICK_MILLIS = 10;

    /** What the gate says about a decision. */
    public enum Gate {
        PASS,
        /** The tenant moves now: hold. */
        MOVE,
        /** The replica is stale and the request would go to legacy: hold. */
        STALE
    }

    private final CutoverConfig config;
    private final UnleashRoutingPolicy routing;
    private final CutoverEvents events;
    private final Clock clock;
    private final long skewMillis;
    private final long deadlineMillis;
    private final PreActivationCheck check;
    private final Queue<Hold> holds = new ConcurrentLinkedQueue<>();
    private final AtomicInteger held = new AtomicInteger();
    private final Map<String, Integer> heldPerTenant = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-cutover");
        t.setDaemon(true);
        return t;
    });

    public Cutover(CutoverConfig config, UnleashRoutingPolicy routing, CutoverEvents events, Clock clock) {
        this.config = config;
        this.routing = routing;
        this.events = events;
        this.clock = clock;
        this.skewMillis = config.clockSkew().toMillis();
        this.deadlineMillis = config.legacyDeadline().toMillis();
        this.check = config.checkUrl()
                .map(url -> new PreActivationCheck(url, config.checkInterval(), events, clock))
                .orElse(null);
        timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public CutoverConfig config() {
        return config;
    }

    /** Whether a decision may go to its backend now. Runs on the event loop for every routed request. */
    public Gate gate(RoutingDecision decision) {
        Move move = decision.move();
        if (move != null && holdsForMove(decision, move, clock.millis())) {
            return Gate.MOVE;
        }
        if (decision.backend() == Backend.LEGACY
                && decision.tenant() != null
                && config.leaseMode() != LeaseMode.NEVER
                && stale()) {
            return Gate.STALE;
        }
        return Gate.PASS;
    }

    private boolean holdsForMove(RoutingDecision decision, Move move, long now) {
        long at = move.atMillis();
        if (now < at - skewMillis) {
            return false;
        }
        if (now < at + skewMillis + deadlineMillis) {
            return true;
        }
        // The check gates a move for as long as routers treat it as recent; after that the move is done, whatever
        // the check says now (it may well be gone with the migration)
        return check != null
                && now < at + CHECK_HORIZON_MILLIS
                && !check.passed(decision.tenant().value(), at);
    }

    private static final long CHECK_HORIZON_MILLIS = UnleashRoutingPolicy.RECENT_SWITCH.toMillis();

    /**
     * The deadline of a request admitted to the backend its tenant is leaving ({@link System#nanoTime()}), or 0: it
     * must end by T - skew + legacy-deadline, when new may open on the fastest clock.
     */
    public long deadlineNanos(RoutingDecision decision) {
        Move move = decision.move();
        if (move == null || move.to() == decision.backend()) {
            return 0;
        }
        long left = move.atMillis() - skewMillis + deadlineMillis - clock.millis();
        return System.nanoTime() + Math.max(0, left) * 1_000_000;
    }

    /**
     * Whether this replica's flag state is older than its lease while strict: it cannot know whether a tenant it
     * would send to legacy has moved meanwhile.
     */
    public boolean stale() {
        long last = routing.lastSyncMillis();
        if (last <= 0 || config.leaseMode() == LeaseMode.NEVER) {
            return false; // never loaded: routing itself refuses (routing_unknown)
        }
        long age = clock.millis() - last;
        long lease = config.leaseMode() == LeaseMode.ALWAYS || routing.windowOpen()
                ? config.lease().toMillis()
                : config.windowLease().toMillis();
        return age > lease;
    }

    /** Whether stale replicas are strict right now: always, or while the migration window is open. */
    public boolean strict() {
        return config.leaseMode() == LeaseMode.ALWAYS
                || (config.leaseMode() == LeaseMode.WINDOW && routing.windowOpen());
    }

    /**
     * Holds a request the gate did not pass, or returns null when too many are held already (overall or of its
     * tenant): the request is then refused at once.
     *
     * @param firstHeldNanos when the request was first held; its hold timeout counts from then
     */
    public Hold hold(RoutingDecision decision, Gate gate, long firstHeldNanos) {
        Hold.Cause cause = gate == Gate.MOVE ? Hold.Cause.MOVE : Hold.Cause.STALE;
        String tenant = decision.tenant() == null ? "" : decision.tenant().value();
        if (held.incrementAndGet() > config.maxHeld()) {
            held.decrementAndGet();
            events.holdRefused(cause);
            return null;
        }
        // Counted and checked in one step with the end of a hold of the same tenant (compute locks the entry)
        boolean[] admitted = {false};
        heldPerTenant.compute(tenant, (t, n) -> {
            int count = n == null ? 0 : n;
            if (count >= config.maxHeldPerTenant()) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        if (!admitted[0]) {
            held.decrementAndGet();
            events.holdRefused(cause);
            return null;
        }
        long now = System.nanoTime();
        Hold hold = new Hold(
                this,
                decision,
                cause,
                firstHeldNanos,
                now,
                firstHeldNanos + config.holdTimeout().toNanos());
        holds.add(hold);
        return hold;
    }

    /** Whether a held request still has time left to be held again (the gate said hold after its release). */
    public boolean timeLeft(long firstHeldNanos) {
        return System.nanoTime() - firstHeldNanos < config.holdTimeout().toNanos();
    }

    /** Requests held now. */
    public int held() {
        return held.get();
    }

    void end(Hold hold, Hold.Result result) {
        if (!hold.complete(result)) {
            return;
        }
        holds.remove(hold);
        held.decrementAndGet();
        String tenant =
                hold.decision().tenant() == null ? "" : hold.decision().tenant().value();
        heldPerTenant.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
        events.holdEnded(hold.cause(), result, System.nanoTime() - hold.startNanos());
    }

    /** Looks at every held request: released when the gate would pass it now, timed out at its deadline. */
    private void tick() {
        try {
            if (holds.isEmpty()) {
                return;
            }
            long nowNanos = System.nanoTime();
            long nowMillis = clock.millis();
            boolean stale = stale();
            for (Hold hold : holds) {
                if (nowNanos - hold.deadlineNanos() >= 0) {
                    end(hold, Hold.Result.TIMED_OUT);
                } else if (hold.cause() == Hold.Cause.STALE ? !stale : moveOver(hold, nowMillis)) {
                    end(hold, Hold.Result.RELEASED);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Watching held requests failed; trying again", e);
        }
    }

    /** Whether a move's hold is over: its window passed, and the pre-activation check (if any) passed. */
    private boolean moveOver(Hold hold, long nowMillis) {
        RoutingDecision decision = hold.decision();
        Move move = decision.move();
        if (nowMillis < move.atMillis() + skewMillis + deadlineMillis) {
            return false;
        }
        if (check == null) {
            return true;
        }
        String tenant = decision.tenant().value();
        if (check.passed(tenant, move.atMillis())) {
            return true;
        }
        check.poll(tenant, move.atMillis());
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Hold hold : holds) {
            end(hold, Hold.Result.TIMED_OUT);
        }
        if (check != null) {
            check.close();
        }
    }
}
