package dev.ferry.router.metrics;

import dev.ferry.router.cutover.Cutover;
import dev.ferry.router.cutover.CutoverEvents;
import dev.ferry.router.cutover.Hold;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.routing.RoutingEvents;
import dev.ferry.router.routing.RuleIntent;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.shadowing.ShadowEvents.DropReason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every meter name and tag key, in one place. The tenant id is never a tag: tags have small, known value sets
 * ({@code /routing/tenants/{id}} and logs answer per-tenant questions). Meters on the request path are created once
 * and kept in arrays indexed by their tags, so recording a request is array look-ups and a timer update.
 */
public final class RouterMeters implements RoutingEvents, CutoverEvents, dev.ferry.router.shadowing.ShadowEvents {
    public static final String REQUESTS = "ferry.requests";
    public static final String DECISIONS = "ferry.routing.decisions";
    public static final String CACHE_LOOKUPS = "ferry.routing.cache.lookups";
    public static final String CACHE_SIZE = "ferry.routing.cache.size";
    public static final String FLAGS_AGE = "ferry.flags.age";
    public static final String FLAGS_LOADED = "ferry.flags.loaded";
    public static final String FLAGS_APPLIED = "ferry.flags.applied";
    public static final String FLAGS_NEXT_SWITCH = "ferry.flags.next.switch";
    /** An info metric: 1, tagged with the revision and routing table in force; one series per replica at a time. */
    public static final String FLAGS_STATE = "ferry.flags.state";
    /** Per rule of the flag state in force: tenants it names explicitly (the intended split, beside the measured). */
    public static final String FLAGS_RULE_TENANTS = "ferry.flags.rule.tenants";
    /** Per rule of the flag state in force: the share of the tenants reaching it that it takes (a wave's N %). */
    public static final String FLAGS_RULE_ROLLOUT = "ferry.flags.rule.rollout";

    public static final String FLAGS_REJECTED = "ferry.flags.rejected";
    public static final String FLAGS_FETCH_ERRORS = "ferry.flags.fetch.errors";
    public static final String FLIP_BACKS_REFUSED = "ferry.routing.flip.backs.refused";
    public static final String HELD_TENANTS = "ferry.routing.held.tenants";
    public static final String BREAKER_STATE = "ferry.breaker.state";
    public static final String POOL_CONNECTIONS = "ferry.pool.connections";
    public static final String READY = "ferry.ready";
    public static final String TRANSPORT_EXCHANGES = "ferry.transport.exchanges";
    public static final String BYTES = "ferry.bytes";
    public static final String CLIENT_CONNECTIONS = "ferry.client.connections";
    public static final String CLIENT_CONNECTIONS_MAX = "ferry.client.connections.max";
    public static final String CLIENT_CONNECTIONS_REFUSED = "ferry.client.connections.refused";
    public static final String NETTY_DIRECT_MEMORY = "ferry.netty.direct.memory.used";
    public static final String CUTOVER_HELD = "ferry.cutover.held";
    public static final String CUTOVER_HOLD = "ferry.cutover.hold";
    public static final String CUTOVER_HOLDS_REFUSED = "ferry.cutover.holds.refused";
    public static final String CUTOVER_CHECKS = "ferry.cutover.checks";
    public static final String CUTOVER_STALE = "ferry.cutover.stale";
    public static final String CUTOVER_WINDOW_OPEN = "ferry.cutover.window.open";
    /** Client connections closed at a time limit before their request's head arrived whole. */
    public static final String ACCESS_LOG_DROPPED = "ferry.access.log.dropped";
    /** Shadow reads judged, by verdict (docs/shadow.md). */
    public static final String SHADOW_REQUESTS = "ferry.shadow.requests";
    /** Shadow reads not made, by reason: the budget at work. */
    public static final String SHADOW_DROPPED = "ferry.shadow.dropped";

    public static final String SHADOW_IN_FLIGHT = "ferry.shadow.in.flight";
    public static final String SHADOW_QUEUED = "ferry.shadow.queued";
    /** Per shadowed tenant (the shadow flag's list, so bounded): this replica's readiness. */
    public static final String SHADOW_LOWER_BOUND = "ferry.shadow.readiness.lower.bound";

    public static final String SHADOW_COMPARED = "ferry.shadow.readiness.compared";
    public static final String SHADOW_READY = "ferry.shadow.ready";

    public static final String CLIENT_TIMEOUTS = "ferry.client.timeouts";

    public static final String TAG_LIMIT = "limit";
    public static final String TAG_CAUSE = "cause";

    public static final String TAG_BACKEND = "backend";
    public static final String TAG_METHOD = "method";
    public static final String TAG_STATUS_CLASS = "status_class";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String TAG_RESULT = "result";
    public static final String TAG_STATE = "state";
    public static final String TAG_ORIGIN = "origin";
    public static final String TAG_REVISION = "revision";
    public static final String TAG_ROUTING_TABLE = "routing_table";
    public static final String TAG_TRANSPORT = "transport";
    public static final String TAG_DIRECTION = "direction";
    /**
     * The flag rule (wave) a decision is counted under. Its values come from the flag's definition, not from
     * requests: at most {@link #MAX_RULES} of them per process, then {@link #RULE_OTHER}.
     */
    public static final String TAG_RULE = "rule";
    /** No rule: none matches, a strategy without a payload, a tenant held on new, a request without a tenant. */
    public static final String RULE_NONE = "none";
    /** Any rule after the first {@link #MAX_RULES} seen, or with a name too long for a tag. */
    public static final String RULE_OTHER = "other";

    static final int MAX_RULES = 100;
    private static final int MAX_RULE_LENGTH = 64;

    /** The {@code outcome} of a request that reached a backend and got its response back. */
    public static final String OUTCOME_FORWARDED = "forwarded";
    /** The client went away before the response was complete. */
    public static final String OUTCOME_CLIENT_CLOSED = "client_closed";

    private static final List<String> METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER");
    private static final List<String> STATUS_CLASSES = List.of("1xx", "2xx", "3xx", "4xx", "5xx", "none");
    /** No backend: the router answered before choosing one (a bad tenant, unknown routing). */
    private static final String NO_BACKEND = "none";

    private final MeterRegistry registry;
    private JvmGcMetrics gc;
    private LongSupplier clientConnectionsRefused;
    private LongSupplier accessLogDropped;
    private final List<String> outcomes;
    private final AtomicReferenceArray<Timer> requestTimers;
    /** Decision counters by rule tag, then backend and reason; at most {@link #MAX_RULES} rules and two more. */
    private final Map<String, Counter[][]> decisions = new ConcurrentHashMap<>();

    private final MultiGauge ruleTenants;
    private final MultiGauge ruleRollout;
    private final Counter[] transports = new Counter[Transport.values().length];
    /** Body bytes by backend (the last index: none) and direction (0: from clients, 1: to clients). */
    private final Counter[][] bytes = new Counter[Backend.values().length + 1][2];

    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter fetchErrors;
    private final MultiGauge flagState;
    private final Counter flipBacksRefused;
    /** Hold times by cause and result. */
    private final Timer[][] holds = new Timer[Hold.Cause.values().length][Hold.Result.values().length];

    private final Counter[] holdsRefused = new Counter[Hold.Cause.values().length];
    private final Counter checksPassed;
    private final Counter requestHeadTimeouts;
    private final Counter noRequestTimeouts;
    private final Counter checksNotPassed;

    public RouterMeters(MeterRegistry registry) {
        this.registry = registry;
        // Two of ProcessorMetrics' series (bindProcess) break Prometheus' naming rules (promtool check metrics): a
        // _count suffix on a gauge, an abbreviated unit. process_cpu_usage and system_cpu_usage say the same.
        registry.config()
                .meterFilter(MeterFilter.deny(id ->
                        id.getName().equals("system.cpu.count") || id.getName().equals("process.cpu.time")));
        this.outcomes = outcomes();
        this.requestTimers = new AtomicReferenceArray<>(
                (Backend.values().length + 1) * METHODS.size() * STATUS_CLASSES.size() * outcomes.size());
        decisionCounters(RULE_NONE);
        this.ruleTenants = MultiGauge.builder(FLAGS_RULE_TENANTS)
                .description("Tenants each rule of the flag state in force names explicitly (tenantId IN), by the"
                        + " backend it sends them to; a scheduled rule counts from its start")
                .register(registry);
        this.ruleRollout = MultiGauge.builder(FLAGS_RULE_ROLLOUT)
                .description("Share of the tenants reaching each rule of the flag state in force that it takes: 1 for"
                        + " a list, N/100 for a percentage wave; 0 before a scheduled rule's start")
                .baseUnit("ratio")
                .register(registry);
        for (Transport transport : Transport.values()) {
            transports[transport.ordinal()] = Counter.builder(TRANSPORT_EXCHANGES)
                    .description("Exchanges by the transport that carried them: fast (HTTP/1.1 relayed on Netty) or"
                            + " reactor (h2c, WebSocket, Expect, HTTP/1.0, HTTPS backends)")
                    .tag(TAG_TRANSPORT, transport.tag())
                    .register(registry);
        }
        for (int b = 0; b <= Backend.values().length; b++) {
            String backend = b == Backend.values().length ? NO_BACKEND : Backend.values()[b].tag();
            for (int d = 0; d < 2; d++) {
                bytes[b][d] = Counter.builder(BYTES)
                        .description("Body bytes through the proxy: received from clients, sent to clients")
                        .baseUnit("bytes")
                        .tags(TAG_BACKEND, backend, TAG_DIRECTION, d == 0 ? "received" : "sent")
                        .register(registry);
            }
        }
        this.cacheHits = cacheCounter("hit");
        this.cacheMisses = cacheCounter("miss");
        this.flagState = MultiGauge.builder(FLAGS_STATE)
                .description(
                        "1 for the flag state in force, tagged with its revision and routing table (a digest of the"
                                + " routing flag's definition); replicas that route alike show the same routing_table")
                .register(registry);
        this.fetchErrors = counter(
                FLAGS_FETCH_ERRORS,
                "Failed attempts to fetch the flag state (server unreachable, error status)",
                Tags.empty());
        this.flipBacksRefused = counter(
                FLIP_BACKS_REFUSED,
                "Tenants the flag tried to send back to legacy without the deliberate marker; Ferry kept them on new",
                Tags.empty());
        for (Hold.Cause cause : Hold.Cause.values()) {
            for (Hold.Result result : Hold.Result.values()) {
                holds[cause.ordinal()][result.ordinal()] = Timer.builder(CUTOVER_HOLD)
                        .description("Requests held by the cutover step, by why (move: the tenant moves now; stale:"
                                + " the flag state is older than the lease) and how the hold ended")
                        .tags(TAG_CAUSE, cause.tag(), TAG_OUTCOME, result.tag())
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(10))
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry);
            }
            holdsRefused[cause.ordinal()] = counter(
                    CUTOVER_HOLDS_REFUSED,
                    "Requests refused with 503 hold_limit because too many were held already",
                    Tags.of(TAG_CAUSE, cause.tag()));
        }
        this.checksPassed =
                counter(CUTOVER_CHECKS, "Answers of the pre-activation check", Tags.of(TAG_RESULT, "passed"));
        this.checksNotPassed =
                counter(CUTOVER_CHECKS, "Answers of the pre-activation check", Tags.of(TAG_RESULT, "not_passed"));
        String timeouts = "Client connections closed at limits.request-head-timeout: request_head (part of a head"
                + " had arrived; answered 408 request_head_timeout), no_request (a new connection that sent nothing)";
        this.requestHeadTimeouts = counter(CLIENT_TIMEOUTS, timeouts, Tags.of(TAG_LIMIT, "request_head"));
        this.noRequestTimeouts = counter(CLIENT_TIMEOUTS, timeouts, Tags.of(TAG_LIMIT, "no_request"));
        // The series an SRE divides by each other must exist from the first scrape, before any traffic.
        for (Backend backend : Backend.values()) {
            for (String method : List.of("GET", "POST")) {
                timer(backend.ordinal(), METHODS.indexOf(method), 1, 0);
            }
        }
    }

    private static List<String> outcomes() {
        List<String> out = new java.util.ArrayList<>();
        out.add(OUTCOME_FORWARDED);
        out.add(OUTCOME_CLIENT_CLOSED);
        for (ProxyFailure f : ProxyFailure.values()) {
            out.add(f.kind());
        }
        return List.copyOf(out);
    }

    private Counter cacheCounter(String result) {
        return Counter.builder(CACHE_LOOKUPS)
                .description("Routing decision cache look-ups")
                .tag(TAG_RESULT, result)
                .register(registry);
    }

    /** A request's head did not arrive whole within its deadline: answered 408, connection closed. */
    public void requestHeadTimedOut() {
        requestHeadTimeouts.increment();
    }

    /** A new connection sent nothing within the head deadline: closed. */
    public void noRequestTimedOut() {
        noRequestTimeouts.increment();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Records one finished exchange, whichever transport carried it: {@code ferry.requests}, its transport and its
     * body bytes.
     */
    public void recordExchange(
            Transport transport,
            Backend backend,
            HttpMethod method,
            int status,
            ProxyFailure failure,
            boolean clientClosed,
            long requestBytes,
            long responseBytes,
            long nanos) {
        recordRequest(backend, method, status, failure, clientClosed, nanos);
        transports[transport.ordinal()].increment();
        int b = backend == null ? Backend.values().length : backend.ordinal();
        if (requestBytes > 0) {
            bytes[b][0].increment(requestBytes);
        }
        if (responseBytes > 0) {
            bytes[b][1].increment(responseBytes);
        }
    }

    /**
     * Records one finished request.
     *
     * @param backend the backend it was sent to, or null when the router answered before choosing one
     * @param status the status the client got, or 0 when none was sent
     * @param failure what went wrong, or null
     * @param clientClosed the client went away first
     */
    private void recordRequest(
            Backend backend, HttpMethod method, int status, ProxyFailure failure, boolean clientClosed, long nanos) {
        int outcome = failure != null ? 2 + failure.ordinal() : clientClosed ? 1 : 0;
        int statusClass = status >= 100 && status < 600 ? status / 100 - 1 : 5;
        timer(backend == null ? Backend.values().length : backend.ordinal(), methodIndex(method), statusClass, outcome)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(int backend, int method, int statusClass, int outcome) {
        int index =
                ((backend * METHODS.size() + method) * STATUS_CLASSES.size() + statusClass) * outcomes.size() + outcome;
        Timer timer = requestTimers.get(index);
        if (timer == null) {
            timer = Timer.builder(REQUESTS)
                    .description("Requests through the proxy, from the first byte received to the last byte sent")
                    .tags(Tags.of(
                            TAG_BACKEND,
                                    backend == Backend.values().length ? NO_BACKEND : Backend.values()[backend].tag(),
                            TAG_METHOD, METHODS.get(method),
                            TAG_STATUS_CLASS, STATUS_CLASSES.get(statusClass),
                            TAG_OUTCOME, outcomes.get(outcome)))
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(60))
                    .register(registry);
            requestTimers.set(index, timer);
        }
        return timer;
    }

    private static int methodIndex(HttpMethod method) {
        // HttpMethod.valueOf returns shared constants for the standard methods: compare by identity first.
        if (method == HttpMethod.GET) {
            return 0;
        }
        if (method == HttpMethod.POST) {
            return 2;
        }
        int i = METHODS.indexOf(method.name());
        return i < 0 ? METHODS.size() - 1 : i;
    }

    @Override
    public void decided(Backend backend, Reason reason, String rule) {
        Counter[][] byRule = decisions.get(rule == null ? RULE_NONE : rule);
        if (byRule == null) {
            byRule = decisionCounters(ruleTag(rule));
        }
        byRule[backend.ordinal()][reason.ordinal()].increment();
    }

    /** The counters of one rule tag, registered on first use; past {@link #MAX_RULES} rules, those of "other". */
    private Counter[][] decisionCounters(String rule) {
        Counter[][] known = decisions.get(rule);
        if (known != null) {
            return known;
        }
        // The two fixed tags (none, other) do not count against the rules' share.
        int named = decisions.size()
                - (decisions.containsKey(RULE_NONE) ? 1 : 0)
                - (decisions.containsKey(RULE_OTHER) ? 1 : 0);
        if (named >= MAX_RULES && !RULE_NONE.equals(rule)) {
            return decisions.computeIfAbsent(RULE_OTHER, this::registerDecisionCounters);
        }
        return decisions.computeIfAbsent(rule, this::registerDecisionCounters);
    }

    private Counter[][] registerDecisionCounters(String rule) {
        Counter[][] out = new Counter[Backend.values().length][Reason.values().length];
        for (Backend backend : Backend.values()) {
            for (Reason reason : Reason.values()) {
                out[backend.ordinal()][reason.ordinal()] = Counter.builder(DECISIONS)
                        .description("Routing decisions made for proxied requests, by backend, reason and the flag"
                                + " rule (wave) that decided or is scheduled to move the tenant")
                        .tags(TAG_BACKEND, backend.tag(), TAG_REASON, reason.tag(), TAG_RULE, rule)
                        .register(registry);
            }
        }
        return out;
    }

    private static String ruleTag(String rule) {
        if (rule == null || rule.isBlank()) {
            return RULE_NONE;
        }
        return rule.length() > MAX_RULE_LENGTH ? RULE_OTHER : rule;
    }

    @Override
    public void cacheLookup(boolean hit) {
        (hit ? cacheHits : cacheMisses).increment();
    }

    @Override
    public void flagsApplied(String origin, String revision, String routingTable, List<RuleIntent> rules) {
        counter(FLAGS_APPLIED, "Flag states applied", Tags.of(TAG_ORIGIN, origin))
                .increment();
        // The one exception to small closed tag sets: one series per replica at a time, replaced on each change, so
        // that replicas can be compared (count by routing_table across the fleet).
        flagState.register(
                List.of(MultiGauge.Row.of(Tags.of(TAG_REVISION, revision, TAG_ROUTING_TABLE, routingTable), 1)), true);
        registerRules(rules);
    }

    /**
     * One row per rule name and backend (a rule raised in steps is several strategies of one name): tenants summed,
     * rollout the largest, each counted once its start has passed, by the registry's clock at scrape time.
     */
    private void registerRules(List<RuleIntent> rules) {
        Map<Tags, List<RuleIntent>> byRule = new LinkedHashMap<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (RuleIntent rule : rules) {
            // As many rule names as the decisions may carry; the rest together under "other".
            String tag = ruleTag(rule.rule());
            if (!names.contains(tag) && names.size() >= MAX_RULES) {
                tag = RULE_OTHER;
            }
            names.add(tag);
            Tags tags = Tags.of(TAG_RULE, tag, TAG_BACKEND, rule.backend().tag());
            byRule.computeIfAbsent(tags, t -> new ArrayList<>()).add(rule);
        }
        io.micrometer.core.instrument.Clock clock = registry.config().clock();
        List<MultiGauge.Row<?>> tenants = new ArrayList<>();
        List<MultiGauge.Row<?>> rollout = new ArrayList<>();
        byRule.forEach((tags, same) -> {
            tenants.add(MultiGauge.Row.of(tags, same, r -> inForce(r, clock)
                    .mapToDouble(RuleIntent::tenants)
                    .sum()));
            rollout.add(MultiGauge.Row.of(tags, same, r -> inForce(r, clock)
                    .mapToDouble(RuleIntent::rollout)
                    .max()
                    .orElse(0)));
        });
        ruleTenants.register(tenants, true);
        ruleRollout.register(rollout, true);
    }

    private static java.util.stream.Stream<RuleIntent> inForce(
            List<RuleIntent> rules, io.micrometer.core.instrument.Clock clock) {
        Instant now = Instant.ofEpochMilli(clock.wallTime());
        return rules.stream().filter(rule -> rule.inForce(now));
    }

    @Override
    public void flagsRejected(String reason) {
        counter(
                        FLAGS_REJECTED,
                        "Flag documents refused as invalid; the last good state stays",
                        Tags.of(TAG_REASON, reason))
                .increment();
    }

    @Override
    public void fetchFailed() {
        fetchErrors.increment();
    }

    @Override
    public void flipBackRefused() {
        flipBacksRefused.increment();
    }

    /** The routing step's state: how old and whether loaded, the decision cache, tenants held on new. */
    public void bindRouting(UnleashRoutingPolicy routing) {
        Gauge.builder(FLAGS_AGE, routing::flagsAgeSeconds)
                .description("Seconds since the flag state was last confirmed by its source")
                .baseUnit("seconds")
                .register(registry);
        gauge(
                FLAGS_LOADED,
                "1 when a flag state holding the routing flag is applied, else 0 (requests get 503 routing_unknown)",
                Tags.empty(),
                () -> routing.routable() ? 1 : 0);
        gauge(CACHE_SIZE, "Routing decisions in the cache", Tags.empty(), routing::cachedDecisions);
        Gauge.builder(FLAGS_NEXT_SWITCH, routing::nextSwitchEpochSeconds)
                .description("When the next scheduled switch of the routing flag happens (Unix time); NaN when none is"
                        + " to come")
                .baseUnit("seconds")
                .register(registry);
        gauge(HELD_TENANTS, "Tenants Ferry holds on new against the flag", Tags.empty(), routing::heldTenants);
    }

    @Override
    public void holdEnded(Hold.Cause cause, Hold.Result result, long nanos) {
        holds[cause.ordinal()][result.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void holdRefused(Hold.Cause cause) {
        holdsRefused[cause.ordinal()].increment();
    }

    @Override
    public void checkAnswered(boolean passed) {
        (passed ? checksPassed : checksNotPassed).increment();
    }

    /** The cutover step's state: requests held now, whether this replica is stale, whether the window is open. */
    public void bindCutover(Cutover cutover, BooleanSupplier windowOpen) {
        gauge(CUTOVER_HELD, "Requests held now by the cutover step", Tags.empty(), cutover::held);
        gauge(
                CUTOVER_STALE,
                "1 while this replica's flag state is older than its lease and it is strict: legacy-bound requests"
                        + " are held, then refused with 503 routing_stale",
                Tags.empty(),
                () -> cutover.stale() ? 1 : 0);
        gauge(
                CUTOVER_WINDOW_OPEN,
                "1 while the migration window is open (its flag enabled in the state in force)",
                Tags.empty(),
                () -> windowOpen.getAsBoolean() ? 1 : 0);
    }

    /** 1 for the state each backend's circuit breaker is in, 0 for the others. */
    public void bindBreakers(Map<Backend, CircuitBreaker> breakers) {
        breakers.forEach((backend, breaker) -> {
            for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
                gauge(
                        BREAKER_STATE,
                        "1 for the state each backend's circuit breaker is in, 0 for the others",
                        Tags.of(
                                TAG_BACKEND,
                                backend.tag(),
                                TAG_STATE,
                                state.name().toLowerCase(Locale.ROOT)),
                        () -> breaker.getState() == state ? 1 : 0);
            }
        });
    }

    /** Connections to a backend: active (serving a request), idle, and requests pending a connection. */
    public void bindPool(Backend backend, IntSupplier active, IntSupplier idle, IntSupplier pending) {
        String description =
                "Connections to each backend: active (serving a request), idle, and requests pending a" + " connection";
        gauge(
                POOL_CONNECTIONS,
                description,
                Tags.of(TAG_BACKEND, backend.tag(), TAG_STATE, "active"),
                active::getAsInt);
        gauge(POOL_CONNECTIONS, description, Tags.of(TAG_BACKEND, backend.tag(), TAG_STATE, "idle"), idle::getAsInt);
        gauge(
                POOL_CONNECTIONS,
                description,
                Tags.of(TAG_BACKEND, backend.tag(), TAG_STATE, "pending"),
                pending::getAsInt);
    }

    /** Client connections against the descriptor budget, and those refused for it. */
    public void bindClientConnections(IntSupplier open, int max, LongSupplier refused) {
        gauge(CLIENT_CONNECTIONS, "Client connections open on the proxy port", Tags.empty(), open::getAsInt);
        gauge(
                CLIENT_CONNECTIONS_MAX,
                "Client connections allowed at once (limits.max-client-connections, from the open-files limit)",
                Tags.empty(),
                () -> max);
        // Micrometer holds a function counter's object weakly: this one is kept here.
        this.clientConnectionsRefused = refused;
        FunctionCounter.builder(CLIENT_CONNECTIONS_REFUSED, refused, LongSupplier::getAsLong)
                .description("Client connections answered 503 connection_limit and closed")
                .register(registry);
    }

    /** Access-log lines dropped because the writer could not keep up: {@code ferry_access_log_dropped_total}. */
    public void bindAccessLog(LongSupplier dropped) {
        this.accessLogDropped = dropped; // held weakly by Micrometer: kept here
        FunctionCounter.builder(ACCESS_LOG_DROPPED, dropped, LongSupplier::getAsLong)
                .description("Access-log lines dropped because the writer could not keep up (the request never waits)")
                .register(registry);
    }

    /**
     * The process as a long-running edge proxy is judged: heap, threads, GC, CPU, open files against the limit
     * (Micrometer's binders, as {@code jvm_*} and {@code process_*}), and the direct memory Netty's buffers hold.
     */
    public void bindProcess(LongSupplier nettyDirectMemory) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        Gauge.builder(NETTY_DIRECT_MEMORY, nettyDirectMemory::getAsLong)
                .description("Direct memory held by Netty's buffer allocators (client and backend connections)")
                .baseUnit("bytes")
                .register(registry);
    }

    /** Stops what {@link #bindProcess} started (the GC listener). */
    public void close() {
        if (gc != null) {
            gc.close();
        }
    }

    public void bindReadiness(BooleanSupplier ready) {
        gauge(READY, "1 when the router is ready to serve, else 0", Tags.empty(), () -> ready.getAsBoolean() ? 1 : 0);
    }

    private final Map<dev.ferry.router.shadow.DiffVerdict, Counter> shadowVerdicts =
            new java.util.EnumMap<>(dev.ferry.router.shadow.DiffVerdict.class);
    private final Map<DropReason, Counter> shadowDrops = new java.util.EnumMap<>(DropReason.class);
    private volatile MultiGauge shadowLowerBound;
    private volatile MultiGauge shadowCompared;
    private volatile MultiGauge shadowReady;
    private volatile dev.ferry.router.shadowing.ShadowReads shadowReads;

    /**
     * Shadow reads: verdicts, drops, the queue, and per shadowed tenant this replica's readiness (lower bound,
     * compared requests, ready). Tenants are the shadow flag's: opted in one by one, so the series stay few.
     */
    public void bindShadow(dev.ferry.router.shadowing.ShadowReads shadow) {
        this.shadowReads = shadow;
        for (dev.ferry.router.shadow.DiffVerdict v : dev.ferry.router.shadow.DiffVerdict.values()) {
            shadowVerdicts.put(
                    v,
                    counter(
                            SHADOW_REQUESTS,
                            "Shadow reads judged (both backends asked and compared), by verdict",
                            Tags.of("verdict", v.name().toLowerCase(java.util.Locale.ROOT))));
        }
        for (DropReason r : DropReason.values()) {
            shadowDrops.put(
                    r,
                    counter(
                            SHADOW_DROPPED,
                            "Requests of shadowed tenants not shadowed, by reason (the budget at work)",
                            Tags.of("reason", r.tag())));
        }
        gauge(SHADOW_IN_FLIGHT, "Shadow reads under way", Tags.empty(), shadow::inFlight);
        gauge(SHADOW_QUEUED, "Shadow reads waiting to start", Tags.empty(), shadow::queued);
        shadowLowerBound = MultiGauge.builder(SHADOW_LOWER_BOUND)
                .description("Per shadowed tenant: lower bound (Wilson, 95 %) of its match rate on this replica")
                .register(registry);
        shadowCompared = MultiGauge.builder(SHADOW_COMPARED)
                .description("Per shadowed tenant: requests compared (matching or different) on this replica")
                .register(registry);
        shadowReady = MultiGauge.builder(SHADOW_READY)
                .description("Per shadowed tenant: 1 when this replica alone sees it pass every readiness gate")
                .register(registry);
        shadowedTenants(shadow.shadowed());
    }

    @Override
    public void judged(dev.ferry.router.shadow.DiffVerdict verdict) {
        Counter c = shadowVerdicts.get(verdict);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void dropped(DropReason reason) {
        Counter c = shadowDrops.get(reason);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void shadowedTenants(java.util.Set<String> tenants) {
        dev.ferry.router.shadowing.ShadowReads shadow = shadowReads;
        if (shadow == null || shadowReady == null) {
            return;
        }
        java.util.List<MultiGauge.Row<?>> bounds = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> compared = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> ready = new java.util.ArrayList<>();
        for (String tenant : tenants) {
            Tags tags = Tags.of("tenant", tenant);
            bounds.add(MultiGauge.Row.of(tags, () -> shadow.report(tenant).lowerBound()));
            compared.add(MultiGauge.Row.of(tags, () -> shadow.report(tenant).compared()));
            ready.add(MultiGauge.Row.of(tags, () -> shadow.report(tenant).ready() ? 1 : 0));
        }
        shadowLowerBound.register(bounds, true);
        shadowCompared.register(compared, true);
        shadowReady.register(ready, true);
    }

    private void gauge(String name, String description, Tags tags, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private Counter counter(String name, String description, Tags tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }
}
