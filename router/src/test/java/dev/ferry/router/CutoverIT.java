package dev.ferry.router;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.SequenceBackends;
import dev.ferry.router.testing.SequenceBackends.Served;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A tenant moves at one instant across the fleet (docs/cutover.md), proven on real replicas in front of backends that
 * log every request with one global sequence number: held around the move's time on every replica, cut on the side it
 * leaves at the deadline, opened on the new side only once the pre-activation check passes, and held then refused
 * on a replica that lost its flag source. On both transports.
 */
class CutoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short bounds, so that a move takes well under a second; the defaults are in docs/cutover.md. */
    private static final Map<String, String> BOUNDS = Map.of(
            "cutover.clock-skew", "150ms",
            "cutover.legacy-deadline", "300ms",
            "cutover.hold-timeout", "3s");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void threeReplicasWithClocksOffWithinTheBoundSwitchATenantAtOneInstant(ClientProtocol protocol) throws Exception {
        FlagsFile flags = new FlagsFile(dir).write(flag().pinned("umbrella").document());
        try (SequenceBackends backends = new SequenceBackends(Duration.ZERO)) {
            List<RunningRouter> fleet = new ArrayList<>();
            try {
                // One replica on time, one 100 ms ahead, one 100 ms behind: within the 150 ms bound.
                for (long offset : new long[] {0, 100, -100}) {
                    fleet.add(RunningRouter.startReady(
                            config(backends.config(), flags.config(), BOUNDS),
                            Clock.offset(Clock.systemUTC(), Duration.ofMillis(offset))));
                }
                Instant at = Instant.now().plusMillis(2500).truncatedTo(ChronoUnit.MILLIS);
                flags.write(flag().pinned("umbrella")
                        .listFrom("wave-1", at, "acme", "globex")
                        .document());

                List<HttpResponse<String>> answers = drive(fleet, protocol, at.plusMillis(1500));

                assertThat(answers).isNotEmpty().allSatisfy(r -> assertThat(r.statusCode())
                        .as("every request answered by a backend: %s", r.body())
                        .isEqualTo(200));
                for (String tenant : List.of("acme", "globex")) {
                    assertThat(backends.legacyAfterFirstNew(tenant))
                            .as("%s's requests served by legacy after its first on new", tenant)
                            .isEmpty();
                    assertThat(backends.of(tenant))
                            .extracting(Served::backend)
                            .as("%s served by legacy before the move and by new after it", tenant)
                            .contains(Backend.LEGACY, Backend.NEW);
                }
                assertThat(backends.of("umbrella"))
                        .extracting(Served::backend)
                        .as("a pinned tenant does not move")
                        .containsOnly(Backend.LEGACY);
                long held = 0;
                for (RunningRouter replica : fleet) {
                    held += (long)
                            metric(replica, "ferry_cutover_hold_seconds_count", "cause=\"move\",outcome=\"released\"");
                    assertThat(metric(
                                    replica,
                                    "ferry_cutover_hold_seconds_count",
                                    "cause=\"move\",outcome=\"timed_out\""))
                            .isZero();
                    replica.assertServedBy(protocol);
                }
                assertThat(held).as("requests held around the move, fleet-wide").isPositive();
            } finally {
                fleet.forEach(RunningRouter::close);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void aMovingTenantsRequestToLegacyIsCutAtTheLegacyDeadline(ClientProtocol protocol) throws Exception {
        FlagsFile flags = new FlagsFile(dir);
        try (SequenceBackends backends = new SequenceBackends(Duration.ofSeconds(10))) {
            Instant at = Instant.now().plusMillis(3000).truncatedTo(ChronoUnit.MILLIS);
            flags.write(flag().listFrom("wave-1", at, "acme").document());
            try (RunningRouter router = RunningRouter.startReady(config(backends.config(), flags.config(), BOUNDS))) {
                assertThat(tenant(router, "acme")
                                .path("pending")
                                .path("opensAt")
                                .asText())
                        .isEqualTo(at.plusMillis(450).toString());

                HttpResponse<String> slow = router.get(protocol, "acme", "/slow");

                assertThat(slow.statusCode()).isEqualTo(504);
                assertThat(slow.headers().firstValue("X-Ferry-Error")).hasValue("cutover_deadline");
                assertThat(Instant.now())
                        .as("cut at T - skew + deadline, not at the response timeout")
                        .isBefore(at.plusSeconds(2));
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                                router.get(protocol, "acme", "/orders").body())
                        .isEqualTo("served by new"));
                assertThat(backends.legacyAfterFirstNew("acme")).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void newOpensForAMovedTenantOnlyOnceThePreActivationCheckPasses(ClientProtocol protocol) throws Exception {
        AtomicBoolean caughtUp = new AtomicBoolean();
        ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();
        DisposableServer check = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((req, res) -> {
                    asked.add(req.uri());
                    return res.status(caughtUp.get() ? 200 : 503).send();
                })
                .bindNow();
        FlagsFile flags = new FlagsFile(dir);
        try (SequenceBackends backends = new SequenceBackends(Duration.ZERO)) {
            Instant at = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
            flags.write(flag().listFrom("wave-1", at, "acme").document());
            Map<String, String> config = config(backends.config(), flags.config(), BOUNDS);
            config.put("cutover.check-url", "http://127.0.0.1:" + check.port() + "/replication/{tenant}/caught-up");
            config.put("cutover.max-held-per-tenant", "1");
            try (RunningRouter router = RunningRouter.startReady(config)) {
                CompletableFuture<HttpResponse<String>> held = router.sendAsync(protocol, request(router, "acme"));
                await().atMost(Duration.ofSeconds(3)).until(() -> asked.size() >= 2);
                assertThat(asked).allSatisfy(uri -> assertThat(uri).isEqualTo("/replication/acme/caught-up"));
                assertThat(held).isNotDone();

                HttpResponse<String> second = router.get(protocol, "acme", "/orders");
                assertThat(second.statusCode()).isEqualTo(503);
                assertThat(second.headers().firstValue("X-Ferry-Error")).hasValue("hold_limit");
                assertThat(second.headers().firstValue("Retry-After")).hasValue("1");

                caughtUp.set(true);

                assertThat(held.get().statusCode()).isEqualTo(200);
                assertThat(held.get().body()).isEqualTo("served by new");
                assertThat(backends.of("acme")).extracting(Served::backend).containsExactly(Backend.NEW);
                assertThat(metric(router, "ferry_cutover_checks_total", "result=\"passed\""))
                        .isEqualTo(1);
                assertThat(metric(router, "ferry_cutover_checks_total", "result=\"not_passed\""))
                        .isPositive();
                assertThat(router.get(protocol, "acme", "/orders").body())
                        .as("a passed check is not asked again")
                        .isEqualTo("served by new");
                assertThat(metric(router, "ferry_cutover_checks_total", "result=\"passed\""))
                        .isEqualTo(1);
            }
        } finally {
            check.disposeNow();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void aReplicaCutOffFromItsFlagsHoldsLegacyBoundRequestsThenRefusesThemAndServesNew(ClientProtocol protocol)
            throws Exception {
        FlagsFile flags = new FlagsFile(dir);
        String good = flag().list("pilot", "acme").withWindow(true).document();
        flags.write(good);
        try (SequenceBackends backends = new SequenceBackends(Duration.ZERO)) {
            Map<String, String> config = config(backends.config(), flags.config(), BOUNDS);
            config.put("cutover.lease", "2s");
            config.put("cutover.hold-timeout", "1s");
            try (RunningRouter router = RunningRouter.startReady(config)) {
                assertThat(router.get(protocol, "globex", "/orders").body()).isEqualTo("served by legacy");

                Files.writeString(flags.path(), "{ not a flags document"); // the source fails: no confirmation
                await().atMost(Duration.ofSeconds(6))
                        .until(() -> state(router).path("cutover").path("stale").asBoolean());

                HttpResponse<String> refused = router.get(protocol, "globex", "/orders");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("X-Ferry-Error")).hasValue("routing_stale");
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(JSON.readTree(refused.body()).path("message").asText())
                        .contains("cutover.lease");
                assertThat(router.get(protocol, "acme", "/orders").body())
                        .as("new-bound requests stay safe: moves are one-way")
                        .isEqualTo("served by new");
                assertThat(backends.of("globex")).hasSize(1);
                assertThat(metric(router, "ferry_cutover_hold_seconds_count", "cause=\"stale\",outcome=\"timed_out\""))
                        .isEqualTo(1);

                CompletableFuture<HttpResponse<String>> waiting = router.sendAsync(protocol, request(router, "globex"));
                await().atMost(Duration.ofSeconds(1)).until(() -> metric(router, "ferry_cutover_held", "") == 1);
                flags.write(good); // the source is back
                assertThat(waiting.get().body()).isEqualTo("served by legacy");
                assertThat(metric(router, "ferry_cutover_hold_seconds_count", "cause=\"stale\",outcome=\"released\""))
                        .isEqualTo(1);
                router.assertServedBy(protocol);
            }
        }
    }

    /**
     * Sends requests for a moving pair of tenants and a pinned one through every replica in turn, from three clients,
     * until {@code until} (and at most 3,000): a bounded load over the move.
     */
    private static List<HttpResponse<String>> drive(List<RunningRouter> fleet, ClientProtocol protocol, Instant until)
            throws Exception {
        ConcurrentLinkedQueue<HttpResponse<String>> answers = new ConcurrentLinkedQueue<>();
        AtomicInteger budget = new AtomicInteger(3000);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        String[] tenants = {"acme", "globex", "umbrella"};
        for (int c = 0; c < 3; c++) {
            int client = c;
            clients.add(CompletableFuture.runAsync(() -> {
                int i = client;
                while (Instant.now().isBefore(until) && budget.decrementAndGet() >= 0) {
                    RunningRouter replica = fleet.get(i % fleet.size());
                    answers.add(replica.send(protocol, post(replica, tenants[i % tenants.length])));
                    i++;
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        return List.copyOf(answers);
    }

    private static HttpRequest post(RunningRouter router, String tenant) {
        return HttpRequest.newBuilder(router.uri("/orders"))
                .header("X-Tenant-Id", tenant)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"item\":1}"))
                .build();
    }

    private static HttpRequest request(RunningRouter router, String tenant) {
        return HttpRequest.newBuilder(router.uri("/orders"))
                .header("X-Tenant-Id", tenant)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    @SafeVarargs
    private static Map<String, String> config(Map<String, String>... parts) {
        Map<String, String> config = new HashMap<>();
        for (Map<String, String> part : parts) {
            config.putAll(part);
        }
        return config;
    }

    private static JsonNode tenant(RunningRouter router, String tenant) throws Exception {
        return JSON.readTree(router.admin("/routing/tenants/" + tenant).body());
    }

    private static JsonNode state(RunningRouter router) throws Exception {
        return JSON.readTree(router.admin("/routing/state").body());
    }

    /** A series' value from /metrics, 0 when absent; {@code labels} is the inside of its braces, or empty. */
    private static double metric(RunningRouter router, String name, String labels) {
        String series = labels.isEmpty() ? Pattern.quote(name) : Pattern.quote(name + "{" + labels) + "[^ ]*";
        Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(router.metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
