package dev.ferry.router.routing;

import dev.ferry.router.config.ConfigKey;
import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import io.getunleash.engine.Context;
import io.getunleash.engine.FlatResponse;
import io.getunleash.engine.UnleashEngine;
import io.getunleash.engine.VariantDef;
import io.getunleash.engine.YggdrasilInvalidInputException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides per tenant from the routing flag, through a per-state decision cache
 * (one SDK evaluation costs 7-14 µs and does not scale across threads; a cache hit costs nanoseconds).
 *
 * <p>Flag states come from {@link UnleashFeed} (the SDK, the server or a local file); with it, the only code that talks
 * to Unleash.
 *
 * <p>Fail closed: until a flag state holding the routing flag has been applied (from the server, the backup file, the
 * bootstrap file or the local flags file), {@link #decide} throws {@code ROUTING_UNKNOWN}. It never guesses legacy:
 * for a tenant already on new, legacy holds stale data.
 *
 * <p>A changed document is applied when the SDK reports {@code togglesFetched}: a flag state with its own evaluation
 * engine and an empty decision cache replaces the old one in one step, so no answer of the old state is cached under
 * the new one. A document whose routing flag is unchanged keeps the warm cache.
 */
public final class UnleashRoutingPolicy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnleashRoutingPolicy.class);
    /** The Unleash context field that carries the tenant id; strategies' stickiness and constraints use it. */
    public static final String CONTEXT_FIELD = "tenantId";
    /** Parsed rule payloads; a flag has a handful, and documents are checked before they are applied. */
    private static final Map<String, RoutingRule> RULES = new ConcurrentHashMap<>();
    /**
     * How long after a scheduled move a decision still carries its time: the cutover step holds the tenant until new
     * may open (and the pre-activation check passed); a replica started later than this takes the move as done.
     */
    public static final Duration RECENT_SWITCH = Duration.ofHours(1);

    private final FlagsConfig config;
    private final RoutingEvents events;
    private final Clock clock;
    private final AtomicReference<FlagState> state = new AtomicReference<>(FlagState.notLoaded());
    private final AtomicReference<Instant> lastSync = new AtomicReference<>(Instant.EPOCH);
    /** The flag that opens the migration window, and whether the last applied document had it enabled. */
    private final String windowFlag;

    private volatile boolean windowOpen;
    /** The last document applied or confirmed, and who else reads it (the shadow flag): guarded by itself. */
    private final Object documents = new Object();

    private String latestDocument;
    private java.util.function.Consumer<String> documentListener = json -> {};
    private final FlipBackGuard guard;
    private final TimeBoundaries boundaries;
    private final UnleashFeed feed;

    public UnleashRoutingPolicy(FlagsConfig config, RoutingEvents events, Clock clock) {
        this(config, ConfigKey.CUTOVER_WINDOW_FLAG.defaultValue(), events, clock);
    }

    /** @param windowFlag the flag that opens the migration window while enabled ({@code cutover.window-flag}) */
    public UnleashRoutingPolicy(FlagsConfig config, String windowFlag, RoutingEvents events, Clock clock) {
        this.config = config;
        this.windowFlag = windowFlag;
        this.events = events;
        this.clock = clock;
        this.guard = new FlipBackGuard(config.flagName(), config.heldFile(), events, clock);
        this.boundaries = new TimeBoundaries(config.flagName(), clock, this::refreshCache);
        this.feed = new UnleashFeed(config, clock, new FeedSink());
    }

    /** Seconds since the flag state was last confirmed by its source; NaN before the first time. */
    public double flagsAgeSeconds() {
        Instant last = lastSync.get();
        return last.equals(Instant.EPOCH)
                ? Double.NaN
                : Duration.between(last, clock.instant()).toMillis() / 1000.0;
    }

    /** When the next scheduled switch of the routing flag happens, in Unix seconds; NaN when none is to come. */
    public double nextSwitchEpochSeconds() {
        Instant now = clock.instant();
        for (Instant at : state.get().switchTimes()) {
            if (at.isAfter(now)) {
                return at.toEpochMilli() / 1000.0;
            }
        }
        return Double.NaN;
    }

    /**
     * When the flag state was last confirmed by its source (applied, or unchanged at a poll), in Unix milliseconds;
     * 0 before the first time. The freshness lease is measured from it.
     */
    public long lastSyncMillis() {
        return lastSync.get().toEpochMilli();
    }

    /** Whether the last applied document had the migration window's flag enabled. */
    public boolean windowOpen() {
        return windowOpen;
    }

    /**
     * Hands every checked flag document to {@code listener}, starting with the latest one, on the SDK's thread: for
     * flags other than the routing flag that live in the same state (the shadow flag).
     */
    public void onDocument(java.util.function.Consumer<String> listener) {
        synchronized (documents) {
            documentListener = listener;
            if (latestDocument != null) {
                listener.accept(latestDocument);
            }
        }
    }

    /** Hands an accepted document to the listener; a listener's failure never stops routing. */
    private void offerDocument(String json) {
        synchronized (documents) {
            if (json.equals(latestDocument)) {
                return;
            }
            latestDocument = json;
            try {
                documentListener.accept(json);
            } catch (RuntimeException e) {
                LOG.error(
                        "A reader of the flag state failed on revision {}; routing goes on",
                        ClientFeatures.revision(json),
                        e);
            }
        }
    }

    /** Routing decisions in the cache. */
    public long cachedDecisions() {
        return state.get().decisions().estimatedSize();
    }

    /** Tenants held on new against the flag. */
    public int heldTenants() {
        return guard.heldCount();
    }

    /**
     * Decides for a proxied request. Runs on an event loop: a cache hit, or one in-memory SDK evaluation.
     *
     * @throws ProxyException {@code ROUTING_UNKNOWN} while no usable flag state is applied
     */
    public RoutingDecision decide(TenantId tenant) {
        FlagState s = state.get();
        if (!s.routable()) {
            throw new ProxyException(ProxyFailure.ROUTING_UNKNOWN, unroutable(s));
        }
        RoutingDecision decision = s.decisions().getIfPresent(tenant.value());
        if (decision != null && decision.move() != null && decision.outdated(clock.millis())) {
            // its move's time came before the cache was emptied for it: decided again, never served stale
            decision = null;
        }
        events.cacheLookup(decision != null);
        if (decision == null) {
            decision = evaluate(s, tenant);
            s.decisions().put(tenant.value(), decision);
        }
        events.decided(decision.backend(), decision.reason(), decision.countedRule());
        return decision;
    }

    /** What {@link #decide} would answer, without counting it as a request; for {@code /routing/tenants/{id}}. */
    public Explanation explain(TenantId tenant) {
        FlagState s = state.get();
        if (!s.routable()) {
            return new Explanation(null, unroutable(s), status(), null);
        }
        RoutingDecision cached = s.decisions().getIfPresent(tenant.value());
        RoutingDecision decision = cached != null ? cached : evaluate(s, tenant);
        return new Explanation(decision, null, status(), pending(s, tenant, decision));
    }

    /**
     * The answer to "where does this tenant go?", or why nobody can say.
     *
     * @param pending a scheduled move of the tenant still to come, or null
     */
    public record Explanation(RoutingDecision decision, String unknownBecause, Status flagState, Pending pending) {}

    /** A scheduled move still to come: from {@code at} on, the tenant goes to {@code backend} by {@code rule}. */
    public record Pending(Backend backend, Instant at, String rule) {}

    /**
     * The first scheduled switch time of this state after which the tenant goes elsewhere: to new, or back to legacy
     * deliberately (a flip-back the guard would refuse is no move).
     */
    private Pending pending(FlagState s, TenantId tenant, RoutingDecision now) {
        // The engine sees time to the millisecond, and DATE_AFTER T is strict: through the whole millisecond T the
        // tenant is still where it was, so T is still to come
        Instant current = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        for (Instant at : s.switchTimes()) {
            if (at.isBefore(current)) {
                continue;
            }
            RoutingDecision then = evaluate(s.engine(), config.flagName(), tenant, at.plusMillis(1));
            if (then.backend() != now.backend() && isMove(then)) {
                return new Pending(then.backend(), at, then.rule());
            }
        }
        return null;
    }

    /**
     * One evaluation of the routing flag by the Unleash engine of this very state (which rule matched, if any), then
     * the flip-back guard. The decision is cached, so this runs once per tenant and flag state.
     */
    private RoutingDecision evaluate(FlagState s, TenantId tenant) {
        Instant now = clock.instant();
        RoutingDecision decision = guard.check(evaluate(s.engine(), config.flagName(), tenant, now));
        if (s.switchTimes().isEmpty()) {
            return decision;
        }
        RoutingDecision.Move move = switchNear(s, tenant, decision, now);
        return move == null ? decision : decision.withMove(move);
    }

    /**
     * The scheduled move of this tenant the cutover step must know about: the next switch time that changes its
     * backend, or else the latest one that did, within the last {@link #RECENT_SWITCH}. Decisions are cached until
     * the next switch time (the cache is emptied then), so this is paid once per tenant and state.
     */
    private RoutingDecision.Move switchNear(FlagState s, TenantId tenant, RoutingDecision now, Instant instant) {
        Instant current = instant.truncatedTo(ChronoUnit.MILLIS);
        Pending next = pending(s, tenant, now);
        if (next != null) {
            return new RoutingDecision.Move(next.at().toEpochMilli(), next.backend(), next.rule());
        }
        List<Instant> times = s.switchTimes();
        for (int i = times.size() - 1; i >= 0; i--) {
            Instant at = times.get(i);
            if (at.isAfter(current)) {
                continue;
            }
            if (at.isBefore(current.minus(RECENT_SWITCH))) {
                break;
            }
            RoutingDecision before = evaluate(s.engine(), config.flagName(), tenant, at.minusMillis(1));
            if (before.backend() != now.backend() && isMove(now)) {
                return new RoutingDecision.Move(at.toEpochMilli(), now.backend(), now.rule());
            }
        }
        return null;
    }

    /** A change of backend that is a move: to new, or back to legacy deliberately (a refused flip-back is none). */
    private static boolean isMove(RoutingDecision to) {
        return to.backend() == Backend.NEW || to.reason() == Reason.MOVED_BACK;
    }

    /** The evaluation a cache miss pays, without the cache; for the benchmark. */
    RoutingDecision evaluateUncached(TenantId tenant) {
        return evaluate(state.get(), tenant);
    }

    /**
     * What the routing flag says for a tenant in one engine's state: its variant names the rule that matched; a
     * disabled flag or no matching rule means legacy; a match without a payload means new.
     */
    static RoutingDecision evaluate(UnleashEngine engine, String flagName, TenantId tenant, Instant now) {
        Context context = new Context();
        context.setProperties(Map.of(CONTEXT_FIELD, tenant.value()));
        context.setCurrentTime(now.truncatedTo(ChronoUnit.MILLIS).toString());
        VariantDef variant;
        try {
            FlatResponse<VariantDef> response = engine.getVariant(flagName, context);
            variant = response == null ? null : response.value;
        } catch (YggdrasilInvalidInputException e) {
            throw new IllegalStateException("the Unleash engine refused a context it built itself", e);
        }
        if (variant == null || !Boolean.TRUE.equals(variant.isFeatureEnabled())) {
            return new RoutingDecision(tenant, Backend.LEGACY, Reason.FLAG_OFF);
        }
        String payload =
                variant.getPayload() == null ? null : variant.getPayload().getValue();
        if (payload == null || !Boolean.TRUE.equals(variant.isEnabled())) {
            return new RoutingDecision(tenant, Backend.NEW, Reason.FLAG_ON);
        }
        RoutingRule rule = RULES.computeIfAbsent(payload, RoutingRule::parse);
        return new RoutingDecision(tenant, rule.backend(), rule.reason(), rule.name());
    }

    private String unroutable(FlagState s) {
        if (!s.loaded()) {
            return "no flag state has been loaded yet (from " + describeSource()
                    + "); Ferry does not guess a backend until it knows where tenants live";
        }
        return "the flag state (" + s.origin() + ", revision " + s.revision() + ") has no flag '" + config.flagName()
                + "' (expected: the flag named by flags.flag-name; create it, disabled, to keep every tenant on legacy)";
    }

    private String describeSource() {
        return config.source() == FlagsConfig.Source.FILE
                ? "flags file " + config.file().orElseThrow()
                : "Unleash at " + config.unleash().orElseThrow().url() + ", its backup file or a bootstrap file";
    }

    /** Whether a usable flag state is applied: the router's readiness. */
    /** The revision of the flag state applied now, or null before one is. One volatile read. */
    public String revision() {
        FlagState s = state.get();
        return s.loaded() ? s.revision() : null;
    }

    public boolean routable() {
        return state.get().routable();
    }

    public Status status() {
        FlagState s = state.get();
        Instant last = lastSync.get();
        Double age = last.equals(Instant.EPOCH)
                ? null
                : Duration.between(last, clock.instant()).toMillis() / 1000.0;
        return new Status(
                config.flagName(),
                s.loaded(),
                s.flagPresent(),
                s.origin(),
                s.revision(),
                s.loaded() ? s.routingTable() : null,
                s.loaded() ? s.appliedAt() : null,
                age);
    }

    /**
     * The flag state as {@code /routing/tenants/{id}} shows it.
     *
     * @param routingTable a short digest of the routing flag's definition: replicas showing the same one route every
     *     tenant alike (also the {@code routing_table} tag of {@code ferry_flags_state})
     */
    public record Status(
            String flag,
            boolean loaded,
            boolean flagPresent,
            String origin,
            String revision,
            String routingTable,
            Instant appliedAt,
            Double ageSeconds) {}

    /**
     * Applies a validated document: a new engine takes it, the previous state becomes the flip-back reference, and the
     * decision cache starts empty. A document in which the routing flag did not change (other flags did, or the same
     * document came again) keeps the current state and its warm cache.
     */
    private void apply(String origin, String json, Instant confirmedAt) {
        if (json == null) {
            return;
        }
        FlagState current = state.get();
        windowOpen = ClientFeatures.enabled(json, windowFlag);

        String definition = ClientFeatures.flagDefinition(json, config.flagName());
        boolean present = definition != null;
        String digest = present ? ClientFeatures.digest(definition) : "";
        if (current.loaded() && digest.equals(current.digest()) && present == current.flagPresent()) {
            confirm(confirmedAt);
            offerDocument(json); // the routing flag is as it was; another flag (the shadow flag) may not be
            return;
        }
        UnleashEngine engine = new UnleashEngine();
        try {
            engine.takeState(json);
        } catch (YggdrasilInvalidInputException | RuntimeException e) {
            LOG.error(
                    "The Unleash engine refused the flag state from {}; keeping the last good state: {}",
                    origin,
                    e.getMessage());
            rejected("invalid");
            return;
        }
        String revision = ClientFeatures.revision(json);
        FlagState next = FlagState.applied(
                origin,
                revision,
                digest,
                present,
                clock.instant(),
                config.cacheMaxTenants(),
                engine,
                List.copyOf(TimeBoundaries.instants(json, config.flagName())));
        if (current.routable()) {
            guard.advance(current.engine(), current.revision());
        }
        boundaries.schedule(json);
        FlagState previous = state.getAndSet(next);
        offerDocument(json);
        // Only now is the state fresh: the cutover step releases what it held for a stale state when it sees this,
        // and the released requests must be decided by the state that confirmed it, not the one before
        confirm(confirmedAt);
        if (present) {
            recheckActiveTenants(previous, next);
        }
        events.flagsApplied(origin, revision, next.routingTable(), RuleIntent.of(json, config.flagName()));
        if (!present) {
            LOG.error(
                    "Flag state from {} (revision {}) has no flag '{}': every request gets 503 routing_unknown"
                            + " until it does",
                    origin,
                    revision,
                    config.flagName());
        } else if (!previous.routable()) {
            LOG.info(
                    "Flag state from {} (revision {}) applied; routing by flag '{}'",
                    origin,
                    revision,
                    config.flagName());
        } else {
            LOG.info(
                    "Flag state from {} (revision {}) applied; flag '{}' changed", origin, revision, config.flagName());
        }
    }

    /**
     * Tenants that were on new under the previous state and active recently are checked against the new state at
     * once, so that a flip-back is reported when the flag changes, not only at the tenant's next request.
     */
    private void recheckActiveTenants(FlagState previous, FlagState next) {
        previous.decisions().asMap().forEach((tenant, decision) -> {
            if (decision.backend() == Backend.NEW) {
                next.decisions().put(tenant, evaluate(next, decision.tenant()));
            }
        });
    }

    private void confirm(Instant confirmedAt) {
        if (confirmedAt != null) {
            lastSync.set(confirmedAt);
        }
    }

    /** A scheduled switch time passed: same state, fresh decisions. */
    private void refreshCache() {
        FlagState s = state.get();
        if (s.loaded()) {
            state.compareAndSet(s, s.withFreshCache(config.cacheMaxTenants()));
            LOG.info("A scheduled switch time in revision {} passed; decisions are made afresh", s.revision());
        }
    }

    private void rejected(String reason) {
        events.flagsRejected(reason);
    }

    @Override
    public void close() {
        // The SDK and its thread first, so that no flag state arrives while the rest closes.
        feed.close();
        boundaries.close();
        guard.close();
    }

    /** The feed's hand-over: every call on the SDK's thread, in order. */
    private final class FeedSink implements UnleashFeed.Sink {
        @Override
        public void apply(String origin, String json, Instant confirmedAt) {
            UnleashRoutingPolicy.this.apply(origin, json, confirmedAt);
        }

        @Override
        public void synced() {
            lastSync.set(clock.instant());
        }

        @Override
        public void rejected(String reason) {
            events.flagsRejected(reason);
        }

        @Override
        public void fetchFailed() {
            events.fetchFailed();
        }

        @Override
        public boolean loaded() {
            return state.get().loaded();
        }
    }
}
