package dev.ferry.router.shadowing;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.config.BackendsConfig;
import dev.ferry.router.config.ShadowConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Outcome;
import dev.ferry.router.pipeline.RequestHead;
import dev.ferry.router.shadow.CompareRules;
import dev.ferry.router.shadow.Diff;
import dev.ferry.router.shadow.DiffVerdict;
import dev.ferry.router.shadow.Differ;
import dev.ferry.router.shadow.Exchange;
import dev.ferry.router.shadow.ExchangeError;
import dev.ferry.router.shadow.Judge;
import dev.ferry.router.shadow.Judgement;
import dev.ferry.router.shadow.NoiseFilter;
import dev.ferry.router.shadow.Readiness;
import dev.ferry.router.shadow.ReadinessReport;
import dev.ferry.router.shadow.Route;
import dev.ferry.router.shadow.ShadowFlag;
import dev.ferry.router.shadow.TenantTally;
import dev.ferry.router.shadow.TenantWindow;
import dev.ferry.router.shadowing.ShadowEvents.DropReason;
import dev.ferry.router.telemetry.AccessLog;
import dev.ferry.router.telemetry.AccessRecord;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.util.function.Tuple3;

/**
 * Shadow reads, off the request path. {@link #finished} runs at the end of every exchange, on its event loop, and
 * only takes note: for a shadowed tenant on legacy, an eligible request that passes the sample and the rate budget is
 * queued (bounded; dropped and counted when full). The client has had its answer by then and never waits for any of
 * this.
 *
 * <pre>
 *   finished(outcome) ── shadowed tenant on legacy, eligible, sampled, within max-rate ──▶ queue (max-queued)
 *   queue ── max-in-flight at once, on a loop of their own ──▶ legacy, new (and legacy again for a noise sample)
 *       └─▶ Differ ─▶ NoiseFilter ─▶ Judge ── lag pending? new read again after the bound ──▶ the tenant's tally
 * </pre>
 *
 * Both backends are asked by the shadow itself, at the same moment, rather than comparing new's answer with the one
 * the client got: the two then read the same data, and the client's bytes are never copied on the request path.
 * Shadow requests carry {@code X-Ferry-Shadow: 1} so that a backend can keep them free of side effects.
 */
public final class ShadowReads implements AutoCloseable {
    /** The header every shadow request carries. */
    public static final String SHADOW_HEADER = "X-Ferry-Shadow";

    /** A route's first requests are always asked of legacy twice, so that its noise is known early. */
    static final int NOISE_WARM_UP = 20;

    private static final Logger LOG = LoggerFactory.getLogger(ShadowReads.class);

    private final ShadowConfig config;
    private final ProxyHeaders headers;
    private final ShadowEvents events;
    private final AccessLog accessLog;
    private final Clock clock;
    private final Differ differ = new Differ();
    private final Judge judge = new Judge(differ);
    private final NoiseFilter noise;
    private final Map<Backend, Target> targets = new EnumMap<>(Backend.class);
    private final LoopResources loops;
    private final ConnectionProvider provider;
    private final Scheduler worker;

    private final Map<String, TenantTally> tallies = new ConcurrentHashMap<>();
    private final Map<Route, AtomicInteger> noiseWarmUp = new ConcurrentHashMap<>();
    private volatile ShadowFlag flag = new ShadowFlag(false, Set.of(), List.of());

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    /** Queued and running, for the bound. */
    private final AtomicInteger pending = new AtomicInteger();

    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger rechecks = new AtomicInteger();
    /** When the next start is free, {@link System#nanoTime()}: the rate budget. */
    private final AtomicLong nextStart = new AtomicLong(System.nanoTime());

    private record Target(HttpClient client, String authority) {}

    /** One request to shadow: what is needed to ask it again, copied off the connection. */
    private record Task(
            TenantId tenant,
            TenantTally tally,
            Route route,
            HttpMethod method,
            String uri,
            HttpHeaders clientHeaders,
            String clientAddress,
            String protocol,
            dev.ferry.router.exchange.Transport transport,
            SocketAddress client,
            long startMillis,
            byte[] body,
            boolean logged) {}

    public ShadowReads(
            ShadowConfig config,
            BackendsConfig backends,
            ProxyHeaders headers,
            ShadowEvents events,
            AccessLog accessLog) {
        this(config, backends, headers, events, accessLog, Clock.systemUTC());
    }

    ShadowReads(
            ShadowConfig config,
            BackendsConfig backends,
            ProxyHeaders headers,
            ShadowEvents events,
            AccessLog accessLog,
            Clock clock) {
        this.config = requireNonNull(config, "config");
        this.headers = headers;
        this.events = requireNonNull(events, "events");
        this.accessLog = requireNonNull(accessLog, "accessLog");
        this.clock = requireNonNull(clock, "clock");
        this.noise = new NoiseFilter(config.noise());
        if (!config.enabled()) { // nothing is started
            this.loops = null;
            this.provider = null;
            this.worker = null;
            return;
        }
        requireNonNull(backends, "backends");
        requireNonNull(headers, "headers");
        this.loops = LoopResources.create("ferry-shadow", 1, true);
        this.worker = Schedulers.newSingle("ferry-shadow", true);
        this.provider = ConnectionProvider.builder("ferry-shadow")
                .maxConnections(
                        config.maxInFlight() * 3) // per backend: legacy, legacy2 and a re-read of each read at most
                .pendingAcquireMaxCount(config.maxInFlight() * 2)
                .maxIdleTime(Duration.ofSeconds(4))
                .maxLifeTime(Duration.ofMinutes(10))
                .build();
        for (Backend backend : Backend.values()) {
            URI url = backends.url(backend);
            String base = url.toString().endsWith("/")
                    ? url.toString().substring(0, url.toString().length() - 1)
                    : url.toString();
            HttpClient client = HttpClient.create(provider)
                    .runOn(loops)
                    .baseUrl(base)
                    .responseTimeout(config.timeout())
                    .followRedirect(false)
                    .compress(false)
                    .keepAlive(true);
            if ("https".equalsIgnoreCase(url.getScheme())) {
                client = client.secure();
            }
            String authority = url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
            targets.put(backend, new Target(client, authority));
        }
    }

    /** Shadow reads off: nothing started, nothing shadowed. */
    public static ShadowReads off() {
        return new ShadowReads(ShadowConfig.off(), null, null, ShadowEvents.NONE, AccessLog.off());
    }

    /** A flag document was applied: the shadowed tenants are the shadow flag's; tallies of others are dropped. */
    public void flagDocument(String json) {
        ShadowFlag next = ShadowFlag.read(json, config.flag());
        ShadowFlag previous = flag;
        flag = next;
        tallies.keySet().retainAll(next.tenants());
        reports.keySet().retainAll(next.tenants());
        if (!next.problems().equals(previous.problems())) {
            next.problems().forEach(p -> LOG.warn("Shadow flag: {}", p));
        }
        if (!next.tenants().equals(previous.tenants())) {
            events.shadowedTenants(next.tenants());
            LOG.info(
                    "Shadow reads {} for {} tenant{}{}",
                    config.enabled() ? "on" : "configured off (shadow.enabled: false)",
                    next.tenants().size(),
                    next.tenants().size() == 1 ? "" : "s",
                    next.tenants().size() <= 20 ? " " + next.tenants() : "");
        }
    }

    /** The tenants the shadow flag lists now. */
    public Set<String> shadowed() {
        return flag.tenants();
    }

    /**
     * An exchange ended. On its event loop: a few reads and, for a request that is shadowed, a copy of its headers
     * and a place in the queue. Never throws, never waits.
     */
    public void finished(Outcome outcome) {
        if (!config.enabled()) {
            return;
        }
        TenantId tenant = outcome.tenant();
        if (tenant == null || !flag.shadows(tenant.value())) {
            return;
        }
        try {
            note(outcome, tenant);
        } catch (RuntimeException e) {
            LOG.warn("Shadow read of tenant {} not taken: {}", tenant.value(), e.toString());
        }
    }

    private void note(Outcome outcome, TenantId tenant) {
        if (!(outcome.admission() instanceof Admitted admitted)
                || admitted.backend() != Backend.LEGACY
                || outcome.failure() != null
                || outcome.status() == 0) {
            return;
        }
        RequestHead head = outcome.admission().head();
        String method = head.method().name();
        Route route;
        if (config.methods().contains(method)) {
            route = config.routes().route(method, admitted.uri());
        } else {
            // a route declared idempotent, never a derived one: other methods must not use up the derived routes
            route = config.routes().declared(method, admitted.uri());
            if (route == null || !config.idempotent().contains(route)) {
                return;
            }
        }
        TenantTally tally = tallies.computeIfAbsent(tenant.value(), t -> new TenantTally(config.latencySamples()));
        if (!flag.shadows(tenant.value())) {
            tallies.remove(tenant.value(), tally); // the flag dropped it meanwhile: no tally comes back
            return;
        }
        byte[] body = null;
        if (outcome.requestBytes() > 0) {
            body = admitted.bodyCopy() == null ? null : admitted.bodyCopy().whole(outcome.requestBytes());
            if (body == null) {
                // not comparable (too large, or a body on a safe method): not counted as used either, so that
                // route coverage does not wait for what can never be compared
                if (admitted.bodyCopy() != null || config.methods().contains(method)) {
                    events.dropped(DropReason.HAS_BODY);
                }
                return;
            }
            // sampled and within the rate budget at admission, when the copy was made
        } else {
            if (config.sampleRate() < 1 && ThreadLocalRandom.current().nextDouble() >= config.sampleRate()) {
                tally.used(route);
                return;
            }
            if (queueFull()) {
                tally.used(route);
                events.dropped(DropReason.QUEUE_FULL);
                return;
            }
            if (!takeRate()) {
                tally.used(route);
                events.dropped(DropReason.RATE);
                return;
            }
        }
        HttpHeaders copy = new DefaultHttpHeaders();
        copy.set(head.headers());
        Task task = new Task(
                tenant,
                tally,
                route,
                head.method(),
                admitted.uri(),
                copy,
                clientAddress(head.client()),
                head.protocol(),
                head.transport(),
                head.client(),
                System.currentTimeMillis(),
                body,
                accessLog.sampled());
        if (pending.incrementAndGet() > config.maxQueued() + config.maxInFlight()) {
            pending.decrementAndGet();
            tally.used(route);
            events.dropped(DropReason.QUEUE_FULL);
            return;
        }
        queue.offer(task);
        worker.schedule(this::drain); // the client's event loop only hands it over
    }

    private boolean queueFull() {
        return pending.get() >= config.maxQueued() + config.maxInFlight();
    }

    /**
     * At admission: a body copy for a request that will be shadowed with its body (a shadowed tenant on legacy, a
     * method other than the safe ones on a route declared idempotent, sampled in and within the rate budget), else
     * null. The copy is made as the body streams.
     */
    public BodyCopy copyBody(RequestHead head, dev.ferry.router.routing.RoutingDecision decision, String uri) {
        if (!config.enabled()
                || config.idempotent().isEmpty()
                || decision.tenant() == null
                || decision.backend() != Backend.LEGACY
                || !flag.shadows(decision.tenant().value())) {
            return null;
        }
        String method = head.method().name();
        if (config.methods().contains(method)) {
            return null;
        }
        Route route = config.routes().declared(method, uri);
        if (route == null || !config.idempotent().contains(route)) {
            return null;
        }
        if (config.sampleRate() < 1 && ThreadLocalRandom.current().nextDouble() >= config.sampleRate()) {
            return null;
        }
        if (queueFull()) {
            events.dropped(DropReason.QUEUE_FULL);
            return null;
        }
        if (!takeRate()) {
            events.dropped(DropReason.RATE);
            return null;
        }
        return new BodyCopy((int) config.maxBody());
    }

    /**
     * At most {@code shadow.max-rate} starts a second, spread evenly (a generic cell rate: each start books the next
     * slot, {@code 1 / max-rate} later), with a burst of a tenth of a second's worth at most; not the whole second's
     * budget spent in its first moments.
     */
    private boolean takeRate() {
        long interval = 1_000_000_000L / config.maxRate();
        long burst = Math.max(interval, 100_000_000L); // a tenth of a second's budget may start at once
        long now = System.nanoTime();
        while (true) {
            long booked = nextStart.get();
            long start = Math.max(booked, now);
            if (start - now > burst) {
                return false;
            }
            if (nextStart.compareAndSet(booked, start + interval)) {
                return true;
            }
        }
    }

    private void drain() {
        while (true) {
            int r = running.get();
            if (r >= config.maxInFlight() || queue.isEmpty()) {
                return;
            }
            if (!running.compareAndSet(r, r + 1)) {
                continue;
            }
            Task task = queue.poll();
            if (task == null) {
                running.decrementAndGet();
                continue;
            }
            run(task)
                    .subscribeOn(worker)
                    .doFinally(s -> {
                        running.decrementAndGet();
                        pending.decrementAndGet();
                        drain();
                    })
                    .subscribe(v -> {}, e -> LOG.warn("Shadow read failed inside Ferry", e));
        }
    }

    private Mono<Void> run(Task task) {
        Instant readAt = clock.instant();
        boolean noiseSample = noiseSampled(task.route());
        Mono<Optional<Exchange>> legacy2 =
                noiseSample ? ask(Backend.LEGACY, task).map(Optional::of) : Mono.just(Optional.empty());
        return Mono.zip(ask(Backend.LEGACY, task), ask(Backend.NEW, task), legacy2)
                .doOnNext(answers -> judge(task, readAt, answers))
                .then();
    }

    private boolean noiseSampled(Route route) {
        AtomicInteger warm = noiseWarmUp.computeIfAbsent(route, r -> new AtomicInteger());
        if (warm.get() < NOISE_WARM_UP && warm.incrementAndGet() <= NOISE_WARM_UP) {
            return true;
        }
        return ThreadLocalRandom.current().nextDouble() < config.noiseSampleRate();
    }

    private void judge(Task task, Instant readAt, Tuple3<Exchange, Exchange, Optional<Exchange>> answers) {
        Exchange legacy = answers.getT1();
        Exchange candidate = answers.getT2();
        if (legacy.error() != ExchangeError.NONE && candidate.error() != ExchangeError.NONE) {
            events.dropped(DropReason.BOTH_FAILED); // nothing was compared: no evidence either way
            return;
        }
        CompareRules rules = config.routes().rules(task.route());
        Diff diff = differ.compare(legacy, candidate, rules);
        noise.record(task.route(), diff, answers.getT3().map(l2 -> differ.compare(legacy, l2, rules)));
        // Every real difference may be replication lag: a replica does not see the writes its peers forwarded
        Judgement judgement = judge.judge(legacy, diff, rules, noise.noisyFields(task.route()), true, Optional.empty());
        if (judgement.verdict() != DiffVerdict.LAG_PENDING_RECHECK) {
            finish(task, judgement, legacy, candidate, answers.getT3(), Optional.empty());
            return;
        }
        if (rechecks.incrementAndGet() > config.maxInFlight()) {
            rechecks.decrementAndGet();
            events.dropped(DropReason.RECHECK_FULL);
            // not read again: the difference stands, rather than leave out what may be one
            finish(
                    task,
                    new Judgement(DiffVerdict.DIFFERENT, judgement.standing()),
                    legacy,
                    candidate,
                    answers.getT3(),
                    Optional.empty());
            return;
        }
        Duration wait = Duration.between(clock.instant(), config.lag().recheckAt(readAt));
        // Both read again at the same moment, once new has had the lag bound to show what legacy has
        Mono.delay(wait.isNegative() ? Duration.ZERO : wait, worker)
                .then(Mono.zip(ask(Backend.LEGACY, task), ask(Backend.NEW, task)))
                .doFinally(s -> rechecks.decrementAndGet())
                .subscribe(
                        again -> {
                            if (again.getT1().error() != ExchangeError.NONE
                                    && again.getT2().error() != ExchangeError.NONE) {
                                // neither answered the second time: nothing shows the difference went away
                                finish(
                                        task,
                                        new Judgement(DiffVerdict.DIFFERENT, judgement.standing()),
                                        legacy,
                                        candidate,
                                        answers.getT3(),
                                        Optional.of(again.getT2()));
                                return;
                            }
                            Judgement last = judge.judge(
                                    again.getT1(),
                                    diff,
                                    rules,
                                    noise.noisyFields(task.route()),
                                    true,
                                    Optional.of(again.getT2()));
                            finish(task, last, legacy, candidate, answers.getT3(), Optional.of(again.getT2()));
                        },
                        e -> LOG.warn("Shadow re-read failed inside Ferry", e));
    }

    private void finish(
            Task task,
            Judgement judgement,
            Exchange legacy,
            Exchange candidate,
            Optional<Exchange> legacy2,
            Optional<Exchange> reread) {
        record(task, judgement, legacy, candidate);
        if (task.logged()) {
            log(task, judgement.verdict(), "legacy", Backend.LEGACY, legacy);
            log(task, judgement.verdict(), "new", Backend.NEW, candidate);
            legacy2.ifPresent(l2 -> log(task, judgement.verdict(), "legacy2", Backend.LEGACY, l2));
            reread.ifPresent(n -> log(task, judgement.verdict(), "new_reread", Backend.NEW, n));
        }
    }

    private void record(Task task, Judgement judgement, Exchange legacy, Exchange candidate) {
        if (tallies.get(task.tenant().value()) == task.tally()) { // else dropped or reset meanwhile
            task.tally().record(task.route(), judgement, legacy, candidate);
        }
        events.judged(judgement.verdict());
    }

    /** A shadow request's own access-log line. */
    private void log(Task task, DiffVerdict verdict, String role, Backend backend, Exchange answer) {
        accessLog.offer(new AccessRecord(
                task.startMillis(),
                task.method().name(),
                task.uri(),
                task.protocol(),
                task.client(),
                task.clientHeaders().get(HttpHeaderNames.USER_AGENT),
                task.clientHeaders().get(HttpHeaderNames.HOST),
                0,
                answer.bodyLength(),
                answer.status(),
                null,
                "shadow",
                task.transport(),
                task.tenant(),
                backend,
                null,
                null,
                null,
                -1,
                answer.latencyNanos(),
                null,
                null,
                null,
                new AccessRecord.Shadow(
                        role, task.route().name(), verdict.name().toLowerCase(java.util.Locale.ROOT))));
    }

    /** One backend's answer to the task, its body kept up to {@code shadow.max-body}; a failure as such. */
    private Mono<Exchange> ask(Backend backend, Task task) {
        Target target = targets.get(backend);
        int cap = (int) config.maxBody();
        return Mono.defer(() -> {
            // From the request written to the answer's end: a backend's latency, not the shadow's own queue or pool
            long[] sent = {System.nanoTime()};
            return target.client()
                    .doAfterRequest((request, connection) -> sent[0] = System.nanoTime())
                    .headers(h -> {
                        headers.toBackend(
                                task.clientHeaders(),
                                h,
                                task.tenant(),
                                task.clientAddress(),
                                target.authority(),
                                task.protocol());
                        h.set(SHADOW_HEADER, "1");
                        // compared as sent: a compressed answer would only be compared byte by byte
                        h.set(HttpHeaderNames.ACCEPT_ENCODING, "identity");
                        if (task.body() != null) {
                            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                            h.set(HttpHeaderNames.CONTENT_LENGTH, task.body().length);
                        }
                    })
                    .request(task.method())
                    .uri(task.uri())
                    .send((request, out) -> task.body() == null ? out : out.sendByteArray(Mono.just(task.body())))
                    .response((response, body) -> body.reduce(new Capture(cap), Capture::add)
                            .defaultIfEmpty(new Capture(cap))
                            .map(c -> Exchange.response(
                                    response.status().code(),
                                    headersOf(response.responseHeaders()),
                                    c.bytes(),
                                    cap,
                                    System.nanoTime() - sent[0])))
                    .next()
                    .timeout(config.timeout())
                    .onErrorResume(e -> Mono.just(Exchange.failure(errorOf(e), System.nanoTime() - sent[0])));
        });
    }

    private static ExchangeError errorOf(Throwable e) {
        if (e instanceof TimeoutException || e instanceof io.netty.handler.timeout.ReadTimeoutException) {
            return ExchangeError.TIMEOUT;
        }
        if (e instanceof java.net.ConnectException
                || e instanceof io.netty.channel.ConnectTimeoutException
                || e.getCause() instanceof java.net.ConnectException) {
            return ExchangeError.CONNECT;
        }
        return ExchangeError.RESET;
    }

    private static Map<String, List<String>> headersOf(HttpHeaders in) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : in.names()) {
            out.put(name, in.getAll(name));
        }
        return out;
    }

    private static String clientAddress(SocketAddress address) {
        return address == null ? "" : ProxyHeaders.clientAddress(address);
    }

    /** The first {@code cap} bytes of a body, and one more to tell that it was longer. */
    private static final class Capture {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int cap;

        Capture(int cap) {
            this.cap = cap;
        }

        Capture add(io.netty.buffer.ByteBuf buf) {
            int room = cap + 1 - bytes.size();
            if (room > 0) {
                int n = Math.min(room, buf.readableBytes());
                byte[] chunk = new byte[n];
                buf.getBytes(buf.readerIndex(), chunk);
                bytes.write(chunk, 0, n);
            }
            return this;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    // ---- what the admin port and the metrics read ----

    /** A tenant's window so far on this replica; empty when it is not tallied. */
    public TenantWindow window(String tenant) {
        TenantTally tally = tallies.get(tenant);
        return tally == null ? TenantWindow.empty() : tally.window();
    }

    /** A tenant's readiness as this replica alone sees it (evaluated at most once a second, for the metrics). */
    public ReadinessReport report(String tenant) {
        long now = System.nanoTime();
        Cached cached = reports.get(tenant);
        if (cached != null && now - cached.atNanos() < 1_000_000_000L) {
            return cached.report();
        }
        ReadinessReport report = Readiness.evaluate(window(tenant), config.bar());
        if (flag.shadows(tenant)) {
            reports.put(tenant, new Cached(report, now));
        }
        return report;
    }

    private record Cached(ReadinessReport report, long atNanos) {}

    private final Map<String, Cached> reports = new ConcurrentHashMap<>();

    /** Tenants with a tally on this replica. */
    public List<String> tallied() {
        List<String> out = new ArrayList<>(tallies.keySet());
        out.sort(null);
        return out;
    }

    /** Starts a tenant's evidence afresh on this replica. */
    public void reset(String tenant) {
        tallies.remove(tenant);
        reports.remove(tenant);
    }

    public ShadowConfig config() {
        return config;
    }

    /** Shadow requests queued, not started yet. */
    public int queued() {
        return Math.max(0, pending.get() - running.get());
    }

    /** Shadow requests under way. */
    public int inFlight() {
        return running.get();
    }

    /** The route's fields and their noise, for the admin port. */
    public NoiseFilter noise() {
        return noise;
    }

    @Override
    public void close() {
        if (loops != null) {
            worker.dispose();
            provider.disposeLater().block(Duration.ofSeconds(5));
            loops.disposeLater().block(Duration.ofSeconds(5));
        }
    }
}
