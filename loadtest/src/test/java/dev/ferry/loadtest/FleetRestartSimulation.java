package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Restarts under load (docs/deploy.md, "Restarts under load"), against deploy/local/fleet.sh: writes for many tenants
 * go through HAProxy over shared keep-alive connections while the fleet's replicas are restarted.
 *
 * <ul>
 *   <li>{@code fleet.restart=term} (the default): every replica in turn gets SIGTERM, reports not ready, tells its
 *       clients to reconnect, drains, finishes what it holds, exits 0 and is started again ({@code fleet.sh roll}).
 *       Every request must succeed.
 *   <li>{@code fleet.restart=kill}: replica {@code fleet.kill} (default 2) gets SIGKILL mid-load and is started again
 *       ({@code fleet.sh kill}). What it held is lost: HAProxy answers 502, or, for a request that was not the first
 *       on its client connection, closes that connection without an answer so that the client may decide to send it
 *       again (HAProxy's {@code http-reuse safe}); Gatling does, whatever the method. Those failures and resends
 *       together stay within what was in flight at the kill, the other replicas cut nothing short, and a request
 *       reaches a backend twice only as such a resend.
 * </ul>
 *
 * Every request carries a unique id in its query; the backends' sequence log shows where each one landed: no id twice
 * (nothing resent after it reached a replica), none on new (every tenant of this run is on legacy: a restart moves no
 * one), and for the failed ones whether the backend got them anyway (the client cannot know: reported).
 *
 * <p>Properties: {@code rate} (default 300 writes/s, paced over {@code users} virtual users on shared connections),
 * {@code delayMs} (default 20; the backends answer after it, so that replicas hold requests), {@code tenants} (default
 * 100), {@code before}/{@code after} (default 3 s of traffic around the restarts), {@code fleet.replicas} (3),
 * {@code fleet.script}, {@code fleet.dir}, {@code fleet.sequenceLog}, {@code fleet.report} (default
 * {@code loadtest/target/fleet-restarts.json}). Bounded: traffic stops {@code after} seconds after the restarts end,
 * and the run is cut at {@code maxSeconds} (default 300).
 */
public final class FleetRestartSimulation extends Simulation {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl = Settings.url("ferry.baseUrl", "http://127.0.0.1:18000");
    private final Path script = Path.of(Settings.text("fleet.script", "deploy/local/fleet.sh"));
    private final Path fleetDir = Path.of(Settings.text("fleet.dir", "ferry-fleet"));
    private final Path sequenceLog = Path.of(Settings.text("fleet.sequenceLog", "ferry-fleet/sequence.log"));
    private final Path report = Path.of(Settings.text("fleet.report", "loadtest/target/fleet-restarts.json"));
    private final String restart = Settings.text("fleet.restart", "term");
    private final int replicas = Settings.count("fleet.replicas", 3, 1);
    private final int killed = Settings.count("fleet.kill", 2, 1);
    private final double rate = Settings.positive("rate", 300);
    private final int delayMs = Settings.count("delayMs", 20, 0);
    private final int users =
            Settings.count("users", (int) Math.max(10, Math.ceil(rate * (delayMs / 1000.0 + 0.05) * 2)), 1);
    private final Duration before = Settings.seconds("before", 3, 1);
    private final Duration after = Settings.seconds("after", 3, 1);
    private final Duration max = Settings.seconds("maxSeconds", 300, 30);
    private final List<String> tenants = tenants(Settings.count("tenants", 100, 1));
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final byte[] body = TenantTraffic.jsonBody(256);

    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean done = new AtomicBoolean();
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final Set<String> failedIds = ConcurrentHashMap.newKeySet();
    private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
    private final AtomicReference<CompletableFuture<String>> restarts = new AtomicReference<>();
    private final AtomicReference<Instant> restartsStarted = new AtomicReference<>();
    private final AtomicReference<Instant> restartsEnded = new AtomicReference<>();
    private final long logStart = FleetProof.lines(sequenceLog);
    private LoadBalancerStats statsBefore;

    {
        if (!restart.equals("term") && !restart.equals("kill")) {
            throw new IllegalArgumentException("fleet.restart: '" + restart + "' (expected: term or kill)");
        }
        if (killed > replicas) {
            throw new IllegalArgumentException(
                    "fleet.kill: " + killed + " (expected: a replica, 1 to fleet.replicas, " + replicas + ")");
        }
        Duration interval = Duration.ofNanos((long) (users / rate * 1e9));
        ChainBuilder write = exec(session -> session.set(
                                "tenant",
                                tenants.get(ThreadLocalRandom.current().nextInt(tenants.size())))
                        .set("id", run + "-" + ids.incrementAndGet()))
                .exec(http("POST")
                        .post("/orders?id=#{id}&delay=" + delayMs)
                        .header("X-Tenant-Id", "#{tenant}")
                        .body(ByteArrayBody(body))
                        .asJson()
                        .check(status().saveAs("status"), status().is(200)))
                .exec(this::record);
        ScenarioBuilder writes = scenario("writes while replicas restart")
                .asLongAs(session -> !done.get())
                .on(pace(interval).exec(write));
        ScenarioBuilder restarter = scenario(restart.equals("term") ? "restart every replica" : "kill a replica")
                .pause(before)
                // fleet.sh blocks: on a thread of its own, never on Gatling's
                .exec(session -> {
                    restartsStarted.set(Instant.now());
                    restarts.set(CompletableFuture.supplyAsync(
                            () -> restart.equals("term") ? fleet("roll") : fleet("kill", Integer.toString(killed))));
                    return session;
                })
                .asLongAs(session -> !restarts.get().isDone())
                .on(pause(Duration.ofMillis(100)))
                .exec(session -> {
                    restartsEnded.set(Instant.now());
                    return session;
                })
                .pause(after)
                .exec(session -> {
                    done.set(true);
                    return session;
                });
        setUp(writes.injectOpen(atOnceUsers(users)), restarter.injectOpen(atOnceUsers(1)))
                .protocols(http.baseUrl(baseUrl).shareConnections())
                .assertions(
                        restart.equals("term")
                                ? global().failedRequests().count().is(0L)
                                : global().failedRequests().percent().lte(100.0))
                .maxDuration(max);
    }

    private Session record(Session session) {
        String outcome = session.contains("status") ? Integer.toString(session.getInt("status")) : "no response";
        outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
        (session.isFailed() ? failedIds : succeeded).add(session.getString("id"));
        return session.remove("status").markAsSucceeded();
    }

    private static List<String> tenants(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(String.format(Locale.ROOT, "restart-%03d", i));
        }
        return ids;
    }

    @Override
    public void before() {
        statsBefore = LoadBalancerStats.parse(fleet("lbstats"));
    }

    /** Reads the sequence log and HAProxy's counters, writes the report, and fails the run if the proof fails. */
    @Override
    public void after() {
        Map<String, Map<String, Long>> lb =
                LoadBalancerStats.parse(fleet("lbstats")).since(statsBefore);
        // The backends write their log every 20 ms: read it once every answered request is in it (at most 5 s)
        Map<String, List<Long>> seen = new HashMap<>();
        long[] onNew = {0};
        try {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        seen.clear();
                        onNew[0] = readLog(seen);
                        return succeeded.stream().allMatch(seen::containsKey);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below as answered requests missing from the log
        }
        long sent = ids.get();
        long failed = failedIds.size();
        // A request that reached a backend twice was sent twice: Ferry never resends, HAProxy resends only what never
        // left it (retry-on conn-failure). A client may: Gatling, like many HTTP clients, sends a request again,
        // whatever its method, when its pooled keep-alive connection closes before any response, which is what a
        // load balancer does to its clients' connections when a replica dies holding their requests. Such a resend
        // arrives after the kill and its first copy before (or within a second after: still landing); anything else is
        // a resend by something else.
        String script;
        try {
            script = restarts.get() == null ? "" : restarts.get().join();
        } catch (RuntimeException e) {
            script = "fleet.sh failed: " + e.getMessage();
        }
        java.util.regex.Matcher killedAt = java.util.regex.Pattern.compile("killed \\(SIGKILL\\) at (\\d+)")
                .matcher(script);
        long killMicros = killedAt.find() ? Long.parseLong(killedAt.group(1)) : Long.MAX_VALUE;
        long twice = seen.values().stream().filter(c -> c.size() > 1).count();
        long failedButApplied = failedIds.stream().filter(seen::containsKey).count();
        // The first copy may land a little after the kill's instant: what the replica had written to a backend
        // connection before it died is still delivered, and a busy backend logs it when it reads it.
        long landing = 1_000_000;
        long resentByTheClient = seen.values().stream()
                .filter(c -> c.size() == 2 && restart.equals("kill"))
                .filter(c -> c.get(0) <= killMicros + landing && c.get(1) >= killMicros && c.get(1) > c.get(0))
                .count();
        long succeededNotSeen =
                succeeded.stream().filter(id -> !seen.containsKey(id)).count();
        String victim = "r" + killed;
        long victimErrors = lb.getOrDefault(victim, Map.of()).getOrDefault("eresp", 0L)
                + lb.getOrDefault(victim, Map.of()).getOrDefault("srv_abrt", 0L);
        // HAProxy's own counts of responses cut short: when a replica closes its idle connections at the end of its
        // drain, a request HAProxy was about to send on one is counted here and sent on another connection (nothing
        // of it was processed: no client sees it, no backend gets it twice). So they are reported, and only the
        // replicas that were left alone while one was killed must have none.
        long othersErrors = lb.entrySet().stream()
                .filter(e -> restart.equals("kill") && !e.getKey().equals(victim))
                .mapToLong(e ->
                        e.getValue().getOrDefault("eresp", 0L) + e.getValue().getOrDefault("srv_abrt", 0L))
                .sum();
        List<String> problems = new ArrayList<>();
        if (restarts.get() == null || script.startsWith("fleet.sh failed")) {
            problems.add(restarts.get() == null ? "the restarts never started" : script);
        }
        if (restart.equals("kill") && killMicros == Long.MAX_VALUE) {
            problems.add("fleet.sh did not say when it killed " + "r" + killed + ": " + script);
        }
        if (restart.equals("term") && failed > 0) {
            problems.add(failed + " request(s) failed while replicas restarted gracefully (expected: none)");
        }
        // What the killed replica can have held: its share of the requests in flight at the kill (answers take
        // delayMs, plus a quarter second of transit), twice over for an uneven share
        long inFlightBound = (long) Math.ceil(2 * rate / replicas * (delayMs + 250) / 1000.0);
        if (restart.equals("kill") && failed + resentByTheClient > inFlightBound) {
            problems.add(failed + " request(s) failed and " + resentByTheClient + " were resent by the client, more"
                    + " than the " + inFlightBound + " the fleet can have had in flight when " + victim + " died");
        }
        if (othersErrors > 0) {
            problems.add(othersErrors + " response(s) cut short on replicas that were not killed (expected: none)");
        }
        if (twice > resentByTheClient) {
            problems.add((twice - resentByTheClient) + " request(s) reached a backend twice other than by the client"
                    + " resending what the killed replica held (expected: none)");
        }
        if (onNew[0] > 0) {
            problems.add(onNew[0] + " request(s) reached new, where none of these tenants is (expected: none)");
        }
        if (succeededNotSeen != 0) {
            problems.add(succeededNotSeen + " answered request(s) missing from the backends' log");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("restart", restart);
        out.put("replicas", replicas);
        if (restart.equals("kill")) {
            out.put("killed", victim);
        }
        out.put("rate", rate);
        out.put("users", users);
        out.put("delayMs", delayMs);
        out.put("requests", sent);
        out.put("failed", failed);
        out.put("failedButAppliedByTheBackend", failedButApplied);
        out.put("reachedABackendTwice", twice);
        out.put("resentByTheClient", resentByTheClient);
        out.put("cutShortOnTheKilledReplica", restart.equals("kill") ? victimErrors : 0);
        // Requests HAProxy saw cut short (eresp) on every replica: during a graceful roll, requests it had sent on a
        // connection the draining replica closed without answering; the client got its connection closed and, if it
        // resends (Gatling does), they go out again. None of them reached a backend (nothing was sent twice).
        out.put(
                "cutShortByAnyReplica",
                lb.values().stream().mapToLong(c -> c.getOrDefault("eresp", 0L)).sum());
        out.put("inFlightBound", restart.equals("kill") ? inFlightBound : 0);
        out.put("onNew", onNew[0]);
        out.put(
                "restartSeconds",
                restartsStarted.get() == null || restartsEnded.get() == null
                        ? -1
                        : Duration.between(restartsStarted.get(), restartsEnded.get())
                                        .toMillis()
                                / 1000.0);
        ObjectNode byOutcome = out.putObject("outcomes");
        new java.util.TreeMap<>(outcomes).forEach((k, v) -> byOutcome.put(k, v.get()));
        out.set("loadBalancer", JSON.valueToTree(lb));
        out.put("script", script);
        out.put("passed", problems.isEmpty());
        out.set("problems", JSON.valueToTree(problems));
        try {
            Files.createDirectories(report.toAbsolutePath().getParent());
            JSON.writerWithDefaultPrettyPrinter().writeValue(report.toFile(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        System.out.println("Restarts under load (" + restart + "): " + sent + " requests, " + failed + " failed"
                + (restart.equals("kill") ? " (HAProxy saw " + victimErrors + " cut short on " + victim + ")" : "")
                + ", " + failedButApplied + " of them applied by the backend anyway; " + twice + " sent twice ("
                + resentByTheClient + " resent by the client); "
                + onNew[0] + " on new; report " + report);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the restart proof failed: " + String.join("; ", problems));
        }
    }

    /** This run's lines of the sequence log: how often each request id reached a backend; returns those on new. */
    private long readLog(Map<String, List<Long>> seen) {
        long onNew = 0;
        try (BufferedReader in = Files.newBufferedReader(sequenceLog, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                if (n++ < logStart) {
                    continue;
                }
                String[] f = line.split("\t");
                int at = f.length < 6 ? -1 : f[4].indexOf("id=" + run + "-");
                if (at < 0) {
                    continue;
                }
                seen.computeIfAbsent(f[4].substring(at + 3).split("&")[0], k -> new ArrayList<>())
                        .add(Long.parseLong(f[5]));
                if (f[1].equals("new")) {
                    onNew++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sequence log " + sequenceLog, e);
        }
        return onNew;
    }

    /** fleet.sh with this run's state directory; its output. Bounded: 4 minutes. */
    private String fleet(String... args) {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("FLEET_DIR", fleetDir.toAbsolutePath().toString());
            Process p = builder.start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(4, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 4 minutes");
            }
            String text = output.join();
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
