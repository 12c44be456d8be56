package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.ferry.admin.tenants.Lead;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * The fleet proof (docs/cutover.md), against deploy/local/fleet.sh: writes for many tenants go through HAProxy to every
 * replica while {@code tenants} of them move to new in one scheduled wave, written by flags-admin's own code to the
 * real Unleash. The backends log every request with one global sequence number; afterwards {@link FleetProof} reads
 * that log and fails the run if any moved tenant was served by legacy after its first request on new, or any other
 * tenant reached new.
 *
 * <pre>
 * writes  |= warm-up =|=== before ===|====== lead (the move is written, every replica fetches it) ======|= hold =|== after ==|
 * mover   pause(before) -> [cut a replica off Unleash] -> move (at T) -> wait until new opened -> [restore]
 * </pre>
 *
 * <ul>
 *   <li>{@code ferry.baseUrl}: HAProxy in front of the replicas. {@code fleet.routers}: the replicas' admin URLs,
 *       comma-separated. {@code fleet.sequenceLog}: the backends' log. {@code fleet.unleash}, {@code fleet.flag},
 *       {@code fleet.token}: where the move is written. ({@code fleet.sh prove} passes all of these.)
 *   <li>{@code tenants} (default 100): tenants moved; {@code controlTenants} (default 100): tenants that stay.
 *   <li>{@code rate} (default 600): writes per second, over every tenant, after a {@code warmup} (default 5 s) that
 *       ramps up to it (its requests are named apart). {@code before}, {@code after} (default 8): seconds of traffic
 *       before the move and after new opened.
 *   <li>{@code fleet.cut} (default 0: none): the replica cut off from Unleash just before the move and given it back
 *       once the move is done: it holds, then refuses legacy-bound requests with 503 {@code routing_stale}, which
 *       this run then accepts; it must never misroute. {@code fleet.script}: fleet.sh, for the cut;
 *       {@code fleet.dir}: the fleet's state directory ({@code FLEET_DIR}).
 *   <li>{@code controlP99Millis} (default 1000): the p99 the tenants that do not move must stay under (they are never
 *       held; with a cut replica, not checked: its legacy-bound requests wait for the hold timeout).
 *   <li>{@code fleet.report} (default {@code loadtest/target/fleet-proof.json}): where the figures go.
 * </ul>
 *
 * <p>Bounded: {@code rate * (before + lead + hold + after)} requests, and Gatling stops 60 s after the last arrival.
 */
public final class FleetCutoverSimulation extends Simulation {
    private final String baseUrl = Settings.url("ferry.baseUrl", "http://127.0.0.1:18000");
    private final List<URI> routers = Arrays.stream(Settings.text(
                            "fleet.routers", "http://127.0.0.1:18201,http://127.0.0.1:18202,http://127.0.0.1:18203")
                    .split(","))
            .map(String::strip)
            .map(URI::create)
            .toList();
    private final Path sequenceLog = Path.of(Settings.text("fleet.sequenceLog", "ferry-fleet/sequence.log"));
    private final Moves moves = Moves.inUnleash(
            URI.create(Settings.url("fleet.unleash", "http://127.0.0.1:4242")),
            Settings.text("fleet.token", "*:*.unleash-insecure-admin-api-token"),
            Settings.text("fleet.flag", "fleet-route-tenant-to-new"));
    private final int cut = Settings.count("fleet.cut", 0, 0);
    private final Path script = Path.of(Settings.text("fleet.script", "deploy/local/fleet.sh"));
    private final Path fleetDir = Path.of(Settings.text("fleet.dir", "ferry-fleet"));
    private final Path report = Path.of(Settings.text("fleet.report", "loadtest/target/fleet-proof.json"));
    private final double rate = Settings.positive("rate", 600);
    private final int controlP99 = Settings.count("controlP99Millis", 1000, 1);
    private final Duration before = Settings.seconds("before", 8, 1);
    private final Duration after = Settings.seconds("after", 8, 1);
    private final Duration warmup = Settings.seconds("warmup", 5, 0);
    private final java.util.concurrent.atomic.AtomicBoolean warm = new java.util.concurrent.atomic.AtomicBoolean();
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final List<String> moved = ids("moved", Settings.count("tenants", 100, 1));
    private final List<String> staying = ids("stays", Settings.count("controlTenants", 100, 0));
    private final byte[] body = TenantTraffic.jsonBody(256);
    private final Lead lead = Moves.leadOf(routers);
    private final AtomicReference<Instant> written = new AtomicReference<>();
    private final AtomicReference<Instant> switchesAt = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Void>> aside = new AtomicReference<>();
    private final long logStart = FleetProof.lines(sequenceLog);

    {
        // The move is written after 'before', takes effect a lead later, and new opens a skew and a deadline after
        // that (1.25 s with the defaults, 2 s allowed); then 'after' more seconds of traffic.
        Duration move = lead.total().plusSeconds(1).plusSeconds(2);
        Duration traffic = before.plus(move).plus(after);
        ChainBuilder write = exec(session -> {
                    List<String> pool =
                            ThreadLocalRandom.current().nextInt(moved.size() + staying.size()) < moved.size()
                                    ? moved
                                    : staying;
                    String tenant = pool.get(ThreadLocalRandom.current().nextInt(pool.size()));
                    String group = pool == moved ? "moved" : "control";
                    return session.set("tenant", tenant).set("label", warm.get() ? group : "warm-up, " + group);
                })
                .exec(http("POST #{label}")
                        .post("/orders")
                        .header("X-Tenant-Id", "#{tenant}")
                        .body(ByteArrayBody(body))
                        .asJson()
                        // With a replica cut off, its legacy-bound answers are 503 routing_stale (counted by its
                        // ferry_cutover_hold_seconds{cause="stale",outcome="timed_out"} in the report).
                        .check(cut == 0 ? status().is(200) : status().in(200, 503)));
        ScenarioBuilder writes = scenario("writes during a fleet-wide move").exec(write);
        // Cold JVMs (replicas, backends, Gatling) on a small machine answer slowly for the first seconds: the
        // warm-up's requests are named apart, so that the figures are the move's, not the JIT's.
        ScenarioBuilder warmUp = scenario("warm-up").pause(warmup).exec(session -> {
            warm.set(true);
            return session;
        });
        ScenarioBuilder mover = scenario("move tenants in one scheduled wave")
                .pause(warmup.plus(before))
                // The move (Unleash's Admin API) and the cut (a process) block: they run on a thread of their own,
                // never on Gatling's, whose stall would show as latency of every request in flight.
                .exec(session -> {
                    aside.set(CompletableFuture.runAsync(() -> {
                        if (cut > 0) {
                            FleetProof.fleet(script, fleetDir, "cut", Integer.toString(cut));
                        }
                        written.set(Instant.now());
                        switchesAt.set(moves.toNew(moved, "proof-" + run, lead));
                    }));
                    return session;
                })
                .asLongAs(session -> !aside.get().isDone())
                .on(pause(Duration.ofMillis(50)))
                .exec(session -> {
                    aside.get().whenComplete((ok, error) -> {
                        if (error != null) {
                            System.err.println("The fleet proof could not move the tenants: " + error);
                            error.printStackTrace();
                        }
                    });
                    aside.get().join(); // a failed move fails the run here
                    return session;
                })
                .pause(session ->
                        Duration.between(Instant.now(), switchesAt.get()).plusSeconds(2))
                .exec(session -> {
                    if (cut > 0) {
                        aside.set(CompletableFuture.runAsync(
                                () -> FleetProof.fleet(script, fleetDir, "restore", Integer.toString(cut))));
                    }
                    return session;
                });
        setUp(
                        writes.injectOpen(
                                rampUsersPerSec(rate / 10).to(rate).during(warmup),
                                constantUsersPerSec(rate).during(traffic)),
                        warmUp.injectOpen(atOnceUsers(1)),
                        mover.injectOpen(atOnceUsers(1)))
                .protocols(http.baseUrl(baseUrl).shareConnections())
                .assertions(
                        cut == 0
                                ? global().failedRequests().count().is(0L)
                                : global().failedRequests().percent().lte(100.0),
                        details("POST moved").responseTime().max().lte(cut == 0 ? 2500 : 10_000),
                        // The lines bounded by 60 s are there to be printed: the summary shows their actual values
                        details("POST moved").responseTime().percentile(50).lte(60_000),
                        details("POST moved").responseTime().percentile(99).lte(60_000),
                        // The tenants that do not move pay nothing: held never (but on a cut replica)
                        details("POST control").responseTime().percentile(50).lte(60_000),
                        details("POST control").responseTime().percentile(99).lte(cut == 0 ? controlP99 : 60_000),
                        details("POST control").responseTime().max().lte(60_000))
                .maxDuration(traffic.plusSeconds(60));
    }

    private List<String> ids(String kind, int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> String.format(Locale.ROOT, "fleet-%s-%s-%03d", run, kind, i))
                .toList();
    }

    @Override
    public void before() {
        moves.requireRoutable();
    }

    /** Reads the sequence log of this run, writes the figures, and fails the run if the fleet split a tenant. */
    @Override
    public void after() {
        FleetProof proof = FleetProof.read(
                sequenceLog,
                logStart,
                new ArrayList<>(moved),
                new ArrayList<>(staying),
                written.get(),
                switchesAt.get());
        proof.write(report, routers, cut, lead);
        System.out.println(proof.summary());
        if (!proof.passed()) {
            throw new IllegalStateException("the fleet proof failed: " + proof.summary());
        }
    }
}
