package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAsDuring;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.foreach;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.listFeeder;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.Lead;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * A wave of tenants moves from legacy to new while their traffic runs, and not one request fails or reaches the wrong
 * backend:
 *
 * <pre>
 * traffic  |== before: all on legacy ==|= switch window: either =|====== after: moved tenants on new ======|
 * mover    pause(before) -> move (flags-admin's writer, at the fleet-safe time) -> poll /routing/tenants/{id}
 *          until all say new -> done
 * </pre>
 *
 * Each request remembers the phase in which it was sent, and its check is exact outside the switch window: before the
 * flags file changes, every tenant must be served by legacy; once the admin port says new for every moved tenant, every
 * moved tenant must be served by new. Staying tenants (never moved) must be served by legacy throughout. The switch
 * window itself accepts either backend for moved tenants: Ferry reads the file within about a second.
 *
 * <p>The tenants are fresh ids for each run ({@code tenantPrefix}), checked to be on legacy before the run starts, so
 * the run never moves a tenant back (Ferry refuses implicit moves back to legacy) and can be repeated against the
 * same router. Moved tenants stay in the flags file's {@code loadtest} rule afterwards.
 *
 * <ul>
 *   <li>{@code ferry.flagsFile} (required): the flags file the router reads ({@code flags.file}; the demo's is
 *       {@code ferry-demo/flags.json} in the directory it was started from). {@code ferry.flagName} (default
 *       {@code route-tenant-to-new}): the routing flag. {@code ferry.rule} (default {@code loadtest}): the rule the
 *       moved tenants are added to.
 *   <li>{@code rate} (default 200): requests per second, spread evenly over the tenants.
 *   <li>{@code tenants} (default 10): tenants moved; {@code controlTenants} (default 5): tenants that stay on legacy.
 *   <li>{@code before} (default 10): seconds of traffic before the move; {@code after} (default 10): seconds of traffic,
 *       at least, after the move is confirmed; {@code switchTimeout} (default 15): seconds the move may take.
 *   <li>{@code tenantPrefix} (default {@code cutover-<time in base 36>-}): the start of this run's tenant ids.
 *   <li>The target ({@link FerryTarget}; a backend header or {@code body} is needed), the request mix
 *       ({@link TenantTraffic}) and {@code p99Millis} ({@link Expectations}). Any failed request fails the run.
 * </ul>
 *
 * <p>Bounded: {@code rate * (before + switchTimeout + after)} requests plus the admin polls (every 100 ms, at most
 * {@code switchTimeout}), and Gatling stops the run 30 s after the last arrival at the latest.
 */
public final class CutoverUnderLoadSimulation extends Simulation {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** When a request was sent, and so which backends it may reach. */
    enum Phase {
        BEFORE("before the move"),
        SWITCHING("during the move"),
        AFTER("after the move");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    private final FerryTarget target = FerryTarget.fromProperties();
    private final Moves flags =
            Moves.inFile(Path.of(required("ferry.flagsFile")), Settings.text("ferry.flagName", "route-tenant-to-new"));
    private final String rule = Settings.text("ferry.rule", "loadtest");
    private final double rate = Settings.positive("rate", 200);
    private final Duration before = Settings.seconds("before", 10, 1);
    private final Duration after = Settings.seconds("after", 10, 1);
    private final Duration switchTimeout = Settings.seconds("switchTimeout", 15, 1);
    private final String prefix =
            Settings.text("tenantPrefix", "cutover-" + Long.toString(System.currentTimeMillis(), 36) + "-");
    private final List<String> moved = ids("moved", Settings.count("tenants", 10, 1));
    private final List<String> staying = ids("stays", Settings.count("controlTenants", 5, 0));

    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.BEFORE);
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();

    {
        if (!target.namesBackend()) {
            throw new IllegalArgumentException("ferry.backendHeader: 'none' (expected: a header name, or body: the"
                    + " cutover checks which backend served each request)");
        }
        Duration traffic = before.plus(switchTimeout).plus(after);
        setUp(tenantTraffic().injectOpen(constantUsersPerSec(rate).during(traffic)), mover().injectOpen(atOnceUsers(1)))
                .protocols(target.protocol())
                .assertions(
                        global().failedRequests().count().is(0L),
                        details("GET moved tenants, " + Phase.BEFORE.label)
                                .successfulRequests()
                                .count()
                                .gt(0L),
                        details("GET moved tenants, " + Phase.AFTER.label)
                                .successfulRequests()
                                .count()
                                .gt(0L),
                        Expectations.p99(2500))
                .maxDuration(traffic.plusSeconds(30));
    }

    private static String required(String name) {
        String value = Settings.text(name, "");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(
                    name + ": empty (expected: the absolute path of the flags file the router" + " reads, such as -D"
                            + name + "=$PWD/ferry-demo/flags.json where the demo runs)");
        }
        return value;
    }

    private List<String> ids(String kind, int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> String.format(Locale.ROOT, "%s%s-%03d", prefix, kind, i))
                .toList();
    }

    /** Requests for every tenant in turn, each checked against the phase it was sent in. */
    private ScenarioBuilder tenantTraffic() {
        List<Map<String, Object>> records = new ArrayList<>();
        moved.forEach(t -> records.add(Map.of("tenant", t, "moved", true)));
        staying.forEach(t -> records.add(Map.of("tenant", t, "moved", false)));
        return scenario("tenants during a cutover")
                .feed(listFeeder(records).circular())
                .exec(session -> session.set("phase", phase.get()))
                .exec(new TenantTraffic(target)
                        .request(
                                session -> session.getString("tenant"),
                                session -> (session.getBoolean("moved") ? "moved tenants, " : "staying tenants, ")
                                        + session.<Phase>get("phase").label,
                                CutoverUnderLoadSimulation::expectedBackends));
    }

    private static List<String> expectedBackends(Session session) {
        if (!session.getBoolean("moved")) {
            return List.of("legacy");
        }
        return switch (session.<Phase>get("phase")) {
            case BEFORE -> List.of("legacy");
            case SWITCHING -> List.of("legacy", "new");
            case AFTER -> List.of("new");
        };
    }

    /** One user that waits, moves the tenants, and waits until the router says all of them go to new. */
    private ScenarioBuilder mover() {
        ChainBuilder pollUnconfirmed = foreach(moved, "movedTenant")
                .on(doIf(session -> !confirmed.contains(session.getString("movedTenant")))
                        .then(exec(http("admin: where a moved tenant goes")
                                        .get(target.adminUrl() + "/routing/tenants/#{movedTenant}")
                                        .check(jsonPath("$.backend").saveAs("routedTo")))
                                .exec(session -> {
                                    if ("new".equals(session.getString("routedTo"))) {
                                        confirmed.add(session.getString("movedTenant"));
                                    }
                                    return session;
                                })));
        return scenario("move tenants to new")
                .pause(before)
                .exec(session -> {
                    // The phase changes before the file does: a request sent after this may already reach new.
                    phase.set(Phase.SWITCHING);
                    flags.toNew(moved, rule, Lead.DEFAULT); // at the fleet-safe time, as flags-admin moves
                    return session;
                })
                .exec(asLongAsDuring(session -> confirmed.size() < moved.size(), switchTimeout)
                        .on(pollUnconfirmed, pause(Duration.ofMillis(100))))
                .exec(session -> {
                    if (confirmed.size() == moved.size()) {
                        phase.set(Phase.AFTER);
                    }
                    return session;
                })
                // Fails the run, one failed request per tenant, if the move did not complete within switchTimeout.
                .foreach(moved, "movedTenant")
                .on(exec(http("admin: a moved tenant is on new")
                        .get(target.adminUrl() + "/routing/tenants/#{movedTenant}")
                        .check(jsonPath("$.backend").is("new"))));
    }

    /** Before any traffic: the flag can move tenants, and every tenant of this run is on legacy now. */
    @Override
    public void before() {
        flags.requireRoutable();
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<String> all = new ArrayList<>(moved);
        all.addAll(staying);
        for (String tenant : all) {
            String backend = routing(client, tenant);
            if (!"legacy".equals(backend)) {
                throw new IllegalStateException("tenant " + tenant + " goes to " + backend + " before the move"
                        + " (expected: legacy; choose another -DtenantPrefix)");
            }
        }
    }

    private String routing(HttpClient client, String tenant) {
        URI uri = URI.create(target.adminUrl() + "/routing/tenants/" + tenant);
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            return body.path("backend").asText("(none: " + body.path("reason").asText() + ")");
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot ask " + uri + " (expected: the router's admin port at" + " ferry.adminUrl): "
                            + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + uri, e);
        }
    }
}
