package dev.ferry.router.cutover;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.CutoverConfig;
import dev.ferry.router.config.CutoverConfig.LeaseMode;
import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.cutover.Cutover.Gate;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's bounds on a clock the test moves: the real routing policy reads a real flags file; only time is the
 * test's. docs/cutover.md has the protocol these check.
 */
class CutoverTest {
    private static final Instant T = Instant.parse("2030-01-01T02:00:00Z");
    private static final Duration SKEW = Duration.ofMillis(250);
    private static final Duration DEADLINE = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T.minusSeconds(60));
    private final RouterMeters meters = new RouterMeters(new SimpleMeterRegistry());
    private UnleashRoutingPolicy routing;
    private Cutover cutover;

    @AfterEach
    void close() {
        if (cutover != null) {
            cutover.close();
        }
        if (routing != null) {
            routing.close();
        }
    }

    @Test
    void holdsAMovingTenantFromTMinusSkewUntilTPlusSkewPlusDeadlineThenSendsItToNew() {
        start(flag().listFrom("wave-1", T, "acme").document(), LeaseMode.NEVER);

        RoutingDecision before = decide("acme");
        assertThat(before.backend()).isEqualTo(Backend.LEGACY);
        assertThat(cutover.gate(before)).isEqualTo(Gate.PASS);
        long left = cutover.deadlineNanos(before) - System.nanoTime();
        assertThat(Duration.ofNanos(left))
                .as("a request to legacy must end by T - skew + deadline")
                .isBetween(Duration.ofMillis(60_750 - 100), Duration.ofMillis(60_750));
        assertThat(cutover.gate(decide("globex")))
                .as("a tenant that does not move")
                .isEqualTo(Gate.PASS);

        at(T.minus(SKEW).minusMillis(1));
        assertThat(cutover.gate(decide("acme"))).isEqualTo(Gate.PASS);
        at(T.minus(SKEW));
        assertThat(cutover.gate(decide("acme"))).isEqualTo(Gate.MOVE);
        at(T);
        assertThat(decide("acme").backend())
                .as("Unleash's DATE_AFTER: still legacy at T itself")
                .isEqualTo(Backend.LEGACY);
        at(T.plusMillis(1));
        RoutingDecision after = decide("acme");
        assertThat(after.backend())
                .as("decided again at T, not served from the cache")
                .isEqualTo(Backend.NEW);
        assertThat(after.move()).isEqualTo(new RoutingDecision.Move(T.toEpochMilli(), Backend.NEW, "wave-1"));
        assertThat(cutover.gate(after)).isEqualTo(Gate.MOVE);
        assertThat(cutover.deadlineNanos(after))
                .as("no deadline on the side it goes to")
                .isZero();
        at(T.plus(SKEW).plus(DEADLINE).minusMillis(1));
        assertThat(cutover.gate(decide("acme"))).isEqualTo(Gate.MOVE);
        at(T.plus(SKEW).plus(DEADLINE));
        assertThat(cutover.gate(decide("acme"))).isEqualTo(Gate.PASS);
        assertThat(cutover.gate(decide("globex"))).isEqualTo(Gate.PASS);
    }

    @Test
    void knowsTheMoveThroughoutItsOwnMillisecondWhenTheEngineStillSaysTheOldBackend() {
        start(flag().listFrom("wave-1", T, "acme").document(), LeaseMode.NEVER);

        at(T.plusNanos(400_000)); // DATE_AFTER T is strict, and the engine sees milliseconds: still legacy
        RoutingDecision inside = decide("acme");

        assertThat(inside.backend()).isEqualTo(Backend.LEGACY);
        assertThat(inside.move())
                .as("the move is still to come, not forgotten")
                .isEqualTo(new RoutingDecision.Move(T.toEpochMilli(), Backend.NEW, "wave-1"));
        assertThat(cutover.gate(inside)).isEqualTo(Gate.MOVE);
        at(T.plus(SKEW).plus(DEADLINE));
        assertThat(decide("acme").backend())
                .as("decided again once the millisecond passed")
                .isEqualTo(Backend.NEW);
    }

    @Test
    void holdsForThePreActivationCheckOnlyWhileTheMoveIsRecent() {
        start(
                flag().listFrom("wave-1", T, "acme").document(),
                LeaseMode.NEVER,
                Optional.of("http://127.0.0.1:9/replication/{tenant}")); // never answers: never passes

        at(T.plus(SKEW).plus(DEADLINE).plusSeconds(1));
        assertThat(cutover.gate(decide("acme"))).as("new waits for the check").isEqualTo(Gate.MOVE);
        at(T.plus(Duration.ofHours(1)).plusSeconds(1));
        assertThat(cutover.gate(decide("acme")))
                .as("an hour on, the move is done whatever the check says (it may be gone with the migration)")
                .isEqualTo(Gate.PASS);
    }

    @Test
    void aStaleReplicaIsStrictAfterTheLeaseInsideTheWindowAndAfterTheWindowLeaseOutsideIt() throws Exception {
        FlagsFile flags = start(flag().list("pilot", "acme").withWindow(false).document(), LeaseMode.WINDOW);
        cutSource(flags);

        at(clock.instant().plusSeconds(10));
        assertThat(cutover.stale())
                .as("window closed: 10 s is within the 5 min window lease")
                .isFalse();
        assertThat(cutover.gate(decide("globex"))).isEqualTo(Gate.PASS);
        at(clock.instant().plus(Duration.ofMinutes(5)));
        assertThat(cutover.stale()).as("the window may have opened meanwhile").isTrue();
        assertThat(cutover.gate(decide("globex"))).isEqualTo(Gate.STALE);
        assertThat(cutover.gate(decide("acme"))).as("new-bound stays safe").isEqualTo(Gate.PASS);
    }

    @Test
    void insideAnOpenWindowTheLeaseAloneDecides() throws Exception {
        FlagsFile flags = start(flag().list("pilot", "acme").withWindow(true).document(), LeaseMode.WINDOW);
        assertThat(cutover.strict()).isTrue();
        cutSource(flags);

        at(clock.instant().plusSeconds(2));
        assertThat(cutover.stale()).isFalse();
        at(clock.instant().plusSeconds(2));
        assertThat(cutover.stale()).isTrue();
        assertThat(cutover.gate(decide("globex"))).isEqualTo(Gate.STALE);
    }

    @Test
    void neverModeRoutesFromMemoryHoweverOld() throws Exception {
        FlagsFile flags = start(flag().list("pilot", "acme").withWindow(true).document(), LeaseMode.NEVER);
        cutSource(flags);
        at(clock.instant().plus(Duration.ofHours(1)));

        assertThat(cutover.stale()).isFalse();
        assertThat(cutover.gate(decide("globex"))).isEqualTo(Gate.PASS);
    }

    @Test
    void refusesToHoldMoreThanTheLimitOfOneTenant() {
        start(flag().listFrom("wave-1", T, "acme").document(), LeaseMode.NEVER);
        at(T);
        RoutingDecision moving = decide("acme");

        Hold first = cutover.hold(moving, Gate.MOVE, System.nanoTime());
        Hold second = cutover.hold(moving, Gate.MOVE, System.nanoTime());

        assertThat(first).isNotNull();
        assertThat(second).as("max-held-per-tenant is 1").isNull();
        assertThat(cutover.held()).isEqualTo(1);
        first.abandon();
        assertThat(first.result()).isEqualTo(Hold.Result.CLIENT_CLOSED);
        assertThat(cutover.held()).isZero();
        assertThat(cutover.hold(moving, Gate.MOVE, System.nanoTime())).isNotNull();
    }

    private FlagsFile start(String document, LeaseMode mode) {
        return start(document, mode, Optional.empty());
    }

    private FlagsFile start(String document, LeaseMode mode, Optional<String> checkUrl) {
        FlagsFile flags = new FlagsFile(dir).write(document);
        routing = new UnleashRoutingPolicy(
                new FlagsConfig(
                        "route-tenant-to-new",
                        FlagsConfig.Source.FILE,
                        Optional.of(flags.path()),
                        Optional.empty(),
                        1000,
                        dir.resolve("held.json")),
                "ferry-migration-window",
                meters,
                clock);
        await().atMost(Duration.ofSeconds(5)).until(routing::routable);
        cutover = new Cutover(
                new CutoverConfig(
                        SKEW,
                        DEADLINE,
                        Duration.ofSeconds(3),
                        mode,
                        "ferry-migration-window",
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(5),
                        100,
                        1,
                        checkUrl,
                        Duration.ofMillis(200)),
                routing,
                meters,
                clock);
        return flags;
    }

    /** The flag source stops confirming the state (a file it cannot read): the state only ages from now on. */
    private void cutSource(FlagsFile flags) throws Exception {
        long confirmed = routing.lastSyncMillis();
        Files.writeString(flags.path(), "{ not a flags document");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> meters.registry().find(RouterMeters.FLAGS_REJECTED).counter() != null
                        && meters.registry()
                                        .find(RouterMeters.FLAGS_REJECTED)
                                        .counter()
                                        .count()
                                > 0);
        assertThat(routing.lastSyncMillis()).isEqualTo(confirmed);
    }

    private void at(Instant instant) {
        clock.advance(Duration.between(clock.instant(), instant));
    }

    private RoutingDecision decide(String tenant) {
        return routing.decide(new TenantId(tenant));
    }
}
