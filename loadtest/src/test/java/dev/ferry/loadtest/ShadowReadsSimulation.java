package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/**
 * What shadow reads cost the request path, and whether their budget holds: half of the tenants are shadowed (listed by
 * the shadow flag), half are not, all on legacy, and their GETs arrive in pairs (one of each, in random order) at one
 * fixed rate, so the two groups in the report ({@value #SHADOWED}, {@value #NOT_SHADOWED}) are like for like in the
 * same run:
 *
 * <pre>
 * arrivals  on off off on on off ...      in pairs, rate/2 each, same path, same backend, same connections
 * router    answers each; for "on" it then queues a shadow read (within shadow.max-rate; dropped past it)
 * compare   p50/p99/max of "on" vs "off": the shadow's cost to the client; /metrics: judged and dropped vs the budget
 * </pre>
 *
 * <p>Before the traffic it adds this run's shadowed tenants to the shadow flag in the router's flags file with
 * flags-admin's own writer, as {@code flags-admin shadow on} does (and takes them off after it), and waits until the
 * admin port says which are shadowed. During it, a thread reads {@code /metrics} every {@value #SAMPLE_MILLIS} ms for
 * the queue and the shadow requests under way. After it, once the shadow is idle, it checks the budget and writes a
 * report ({@code shadow.report}):
 *
 * <ul>
 *   <li>judged + dropped ≤ offered (the shadowed group's requests: nothing else was shadowed);
 *   <li>judged ≤ {@code shadow.maxRate} × (seconds of shadowed traffic + 1): the rate budget counts per second;
 *   <li>the queue and the shadow requests under way never seen above {@code shadow.maxQueued} and
 *       {@code shadow.maxInFlight};
 *   <li>at least one request judged.
 * </ul>
 *
 * The report also has each group's p50, p99, p99.9 and max in microseconds, taken by the simulation around each
 * successful request sent after the ramp (the ramp is the two JVMs' warm-up; Gatling's own figures, whole
 * milliseconds, include it), and their p99 difference. It is not an assertion: timing is for a person to read.
 *
 * <ul>
 *   <li>{@code ferry.flagsFile} (required): the flags file the router reads; {@code ferry.shadowFlag} (default
 *       {@code ferry.shadow}): the shadow flag's name ({@code shadow.flag}); {@code ferry.flagName} (default
 *       {@code route-tenant-to-new}): the routing flag.
 *   <li>{@code rate} (default 400): requests per second, both groups together; {@code duration} (default 60): seconds
 *       at that rate after {@code ramp} (default 0) seconds of a linear climb from 2 per second.
 *   <li>{@code tenants} (default 10): tenants per group. {@code tenantPrefix} (default {@code shadow-<time>-}).
 *   <li>The router's budget, as configured there: {@code shadow.maxRate} (100, its {@code shadow.max-rate}),
 *       {@code shadow.maxInFlight} (32), {@code shadow.maxQueued} (256).
 *   <li>{@code shadow.report} (default {@code loadtest/target/shadow-reads.json}).
 *   <li>{@code shadow.control} (default false): true leaves the "shadowed" group out of the flag: both groups are then
 *       alike, and their difference is the comparison's own noise (no request may be judged).
 *   <li>The target ({@link FerryTarget}) and {@code p99Millis} per group (default 250).
 * </ul>
 *
 * <p>Bounded: {@code rate * (duration + ramp / 2)} requests; Gatling stops the run 30 s after the last arrival at the
 * latest, and the wait for the shadow to go idle is at most 30 s.
 */
public final class ShadowReadsSimulation extends Simulation {
    static final String SHADOWED = "shadowed";
    static final String NOT_SHADOWED = "not shadowed";
    /** Often enough to see the queue fill within a second at the default budget, rarely enough to cost nothing. */
    static final int SAMPLE_MILLIS = 250;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient ADMIN =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final FerryTarget target = FerryTarget.fromProperties();
    private final Moves flags =
            Moves.inFile(Path.of(required("ferry.flagsFile")), Settings.text("ferry.flagName", "route-tenant-to-new"));
    private final String shadowFlag = Settings.text("ferry.shadowFlag", "ferry.shadow");
    private final double rate = Settings.positive("rate", 400);
    private final Duration duration = Settings.seconds("duration", 60, 1);
    private final Duration ramp = Settings.seconds("ramp", 0, 0);
    private final int maxRate = Settings.count("shadow.maxRate", 100, 1);
    private final int maxInFlight = Settings.count("shadow.maxInFlight", 32, 1);
    private final int maxQueued = Settings.count("shadow.maxQueued", 256, 0);
    private final Path report = Path.of(Settings.text("shadow.report", "loadtest/target/shadow-reads.json"));
    private final String prefix =
            Settings.text("tenantPrefix", "shadow-" + Long.toString(System.currentTimeMillis(), 36) + "-");
    private final int perGroup = Settings.count("tenants", 10, 1);
    /** A/A: the "shadowed" group is not put in the flag, so the run shows the comparison's own noise. */
    private final boolean control = Boolean.parseBoolean(Settings.text("shadow.control", "false"));

    private final List<String> shadowed = ids("on");
    private final List<String> plain = ids("off");

    private final AtomicLong arrivals = new AtomicLong();
    private final long seed = System.nanoTime();
    private final Map<String, Latencies> latencies = Map.of(SHADOWED, new Latencies(), NOT_SHADOWED, new Latencies());
    private final AtomicLong trafficStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong failedShadowed = new AtomicLong();
    private final AtomicLong firstShadowed = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastShadowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong queuedSeen = new AtomicLong();
    private final AtomicLong inFlightSeen = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shadow-metrics-sampler");
        t.setDaemon(true);
        return t;
    });
    private RouterMetrics atStart;
    private Instant startedAt;

    {
        List<OpenInjectionStep> arrivalsPlan = new ArrayList<>();
        if (!ramp.isZero()) {
            arrivalsPlan.add(rampUsersPerSec(Math.min(2, rate)).to(rate).during(ramp));
        }
        arrivalsPlan.add(constantUsersPerSec(rate).during(duration));
        int p99Millis = Settings.count("p99Millis", 250, 1);

        setUp(scenario("shadowed and not shadowed tenants, interleaved")
                        .exec(session -> {
                            trafficStart.compareAndSet(Long.MAX_VALUE, System.nanoTime());
                            long n = arrivals.getAndIncrement();
                            boolean on = (n % 2 == 0) == shadowedFirst(n / 2);
                            List<String> tenants = on ? shadowed : plain;
                            return session.set("group", on ? SHADOWED : NOT_SHADOWED)
                                    .set("tenant", tenants.get((int) ((n / 2) % tenants.size())));
                        })
                        .doIfEqualsOrElse("#{group}", SHADOWED)
                        .then(group(SHADOWED).on(timed(SHADOWED)))
                        .orElse(group(NOT_SHADOWED).on(timed(NOT_SHADOWED)))
                        .injectOpen(arrivalsPlan))
                .protocols(target.protocol())
                .assertions(
                        Expectations.successRate(),
                        details(SHADOWED).failedRequests().count().is(0L),
                        details(SHADOWED).responseTime().percentile(99).lte(p99Millis),
                        details(NOT_SHADOWED).responseTime().percentile(99).lte(p99Millis))
                .maxDuration(duration.plus(ramp).plusSeconds(30));
    }

    /**
     * Whether the shadowed request of the {@code pair}-th pair of arrivals goes first: at random, the same for both of
     * the pair whichever thread asks. Gatling starts users in small batches, and the first of a batch can wait
     * longer (it wakes the connections up): with "shadowed first" every time, an A/A run at 400 req/s showed the
     * shadowed group 51 µs slower at the median with nobody shadowed.
     */
    private boolean shadowedFirst(long pair) {
        return new SplittableRandom(seed + pair).nextBoolean();
    }

    private static String required(String name) {
        String value = Settings.text(name, "");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + ": empty (expected: the absolute path of the flags file the"
                    + " router reads, such as -D" + name + "=$PWD/ferry-demo/flags.json where the demo runs)");
        }
        return value;
    }

    private List<String> ids(String kind) {
        return IntStream.rangeClosed(1, perGroup)
                .mapToObj(i -> String.format(Locale.ROOT, "%s%s-%03d", prefix, kind, i))
                .toList();
    }

    /** One GET of the group's tenant, timed here in nanoseconds as well as by Gatling. */
    private ChainBuilder timed(String name) {
        HttpRequestActionBuilder get = http("GET " + name)
                .get(TenantTraffic.PATH)
                .header(target.tenantHeader(), "#{tenant}")
                .check(status().is(200));
        if (target.namesBackend()) {
            get = get.check(target.backend().is("legacy"));
        }
        return exec(session -> session.set("sentAt", System.nanoTime()))
                .exec(get)
                .exec(session -> {
                    long now = System.nanoTime();
                    long sentAt = session.getLong("sentAt");
                    if (name.equals(SHADOWED)) {
                        // a request the client gave up on may still be answered, and shadowed, after
                        offered.incrementAndGet();
                        firstShadowed.accumulateAndGet(sentAt, Math::min);
                        lastShadowed.accumulateAndGet(now, Math::max);
                        if (session.isFailed()) {
                            failedShadowed.incrementAndGet();
                        }
                    }
                    if (!session.isFailed() && sentAt - trafficStart.get() >= ramp.toNanos()) {
                        latencies.get(name).add(now - sentAt);
                    }
                    return session;
                });
    }

    /** Every tenant of the run on legacy, the shadowed half (and only it) shadowed, and the sampler started. */
    @Override
    public void before() {
        List<String> all = new ArrayList<>(shadowed);
        all.addAll(plain);
        for (String tenant : all) {
            String backend = admin("/routing/tenants/" + tenant).path("backend").asText("(none)");
            if (!"legacy".equals(backend)) {
                throw new IllegalStateException("tenant " + tenant + " goes to " + backend
                        + " (expected: legacy, where shadow reads happen; choose another -DtenantPrefix)");
            }
        }
        if (!control) {
            flags.shadow(shadowFlag, shadowed, List.of());
        }
        await(
                "the admin port to say that the shadowed tenants are shadowed (flag " + shadowFlag + ")",
                Duration.ofSeconds(15),
                () -> shadowed.stream().allMatch(tenant -> isShadowed(tenant) != control)
                        && plain.stream().noneMatch(this::isShadowed));
        atStart = RouterMetrics.scrape(target.adminUrl());
        if (atStart.byLabel("ferry_shadow_queued", null).isEmpty()) {
            throw new IllegalStateException("the router has no ferry_shadow_queued metric (expected: shadow.enabled"
                    + " true, and a router with shadow reads)");
        }
        startedAt = Instant.now();
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            RouterMetrics now = RouterMetrics.scrape(target.adminUrl());
            queuedSeen.accumulateAndGet(Math.round(now.sum("ferry_shadow_queued")), Math::max);
            inFlightSeen.accumulateAndGet(Math.round(now.sum("ferry_shadow_in_flight")), Math::max);
            samples.incrementAndGet();
        } catch (RuntimeException e) {
            // a missed sample is only a missed sample; the counts after the run still bound the queue
        }
    }

    private boolean isShadowed(String tenant) {
        return admin("/shadow/tenants/" + tenant).path("shadowed").asBoolean(false);
    }

    /** Once the shadow is idle: the figures, the report, and the run failed if the budget did not hold. */
    @Override
    public void after() {
        RouterMetrics atEnd;
        try {
            await(
                    "the shadow to finish what it queued (ferry_shadow_queued and ferry_shadow_in_flight at 0)",
                    Duration.ofSeconds(30),
                    () -> {
                        RouterMetrics now = RouterMetrics.scrape(target.adminUrl());
                        return now.sum("ferry_shadow_queued") == 0 && now.sum("ferry_shadow_in_flight") == 0;
                    });
        } finally {
            sampler.shutdownNow();
            atEnd = RouterMetrics.scrape(target.adminUrl());
            if (!control) {
                flags.shadow(shadowFlag, List.of(), shadowed);
            }
        }
        Map<String, Long> verdicts = atEnd.since(atStart, "ferry_shadow_requests_total", "verdict");
        Map<String, Long> dropped = atEnd.since(atStart, "ferry_shadow_dropped_total", "reason");
        long judged = verdicts.values().stream().mapToLong(Long::longValue).sum();
        long droppedAll = dropped.values().stream().mapToLong(Long::longValue).sum();
        long seconds = firstShadowed.get() > lastShadowed.get()
                ? 0
                : (long) Math.ceil((lastShadowed.get() - firstShadowed.get()) / 1e9);
        long bound = (long) maxRate * (seconds + 1);

        List<String> problems = new ArrayList<>();
        if (control && judged > 0) {
            problems.add("judged " + judged + " in a control run (expected: 0, nobody of this run shadowed)");
        }
        if (judged == 0 && !control) {
            problems.add("no shadow request was judged (expected: some, for " + offered.get() + " offered)");
        }
        if (judged + droppedAll > offered.get()) {
            problems.add("judged " + judged + " + dropped " + droppedAll + " > offered " + offered.get()
                    + " (expected: only the shadowed group's requests are shadowed)");
        }
        if (judged > bound) {
            problems.add("judged " + judged + " > shadow.maxRate " + maxRate + " x (" + seconds + " s + 1) = " + bound);
        }
        if (queuedSeen.get() > maxQueued) {
            problems.add("ferry_shadow_queued seen at " + queuedSeen.get() + " (expected: <= " + maxQueued + ")");
        }
        if (inFlightSeen.get() > maxInFlight) {
            problems.add(
                    "ferry_shadow_in_flight seen at " + inFlightSeen.get() + " (expected: <= " + maxInFlight + ")");
        }

        Latencies.Summary on = latencies.get(SHADOWED).summary();
        Latencies.Summary off = latencies.get(NOT_SHADOWED).summary();
        Map<String, Object> groups = new LinkedHashMap<>();
        groups.put(SHADOWED, on);
        groups.put(NOT_SHADOWED, off);

        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("offered", offered.get());
        budget.put("failedShadowedRequests", failedShadowed.get());
        budget.put("judged", judged);
        budget.put("verdicts", verdicts);
        budget.put("dropped", dropped);
        budget.put("shadowedTrafficSeconds", seconds);
        budget.put("maxRate", maxRate);
        budget.put("judgedBound", bound);
        budget.put("maxQueued", maxQueued);
        budget.put("queuedSeenMax", queuedSeen.get());
        budget.put("maxInFlight", maxInFlight);
        budget.put("inFlightSeenMax", inFlightSeen.get());
        budget.put("metricSamples", samples.get());

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("startedAt", startedAt.toString());
        out.put("rate", rate);
        out.put("rampSeconds", ramp.toSeconds());
        out.put("durationSeconds", duration.toSeconds());
        out.put("tenantsPerGroup", perGroup);
        out.put("control", control);
        out.put("groups", groups);
        out.put("p99DifferenceMs", Math.round((on.p99Ms() - off.p99Ms()) * 1000) / 1000.0);
        out.put("shadow", budget);
        out.put("passed", problems.isEmpty());
        out.put("problems", problems);
        try {
            Files.createDirectories(report.toAbsolutePath().getParent());
            JSON.writerWithDefaultPrettyPrinter().writeValue(report.toFile(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        System.out.println("Shadow reads: " + groups + ", p99 difference " + out.get("p99DifferenceMs") + " ms; "
                + budget + "; report " + report);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the shadow's budget did not hold: " + String.join("; ", problems));
        }
    }

    private JsonNode admin(String path) {
        URI uri = URI.create(target.adminUrl() + path);
        try {
            HttpResponse<String> response = ADMIN.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot ask " + uri + " (expected: the router's admin port at ferry.adminUrl): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + uri, e);
        }
    }

    private static void await(String what, Duration atMost, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .until(done);
    }
}
