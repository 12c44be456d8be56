package dev.ferry.router.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.exchange.Transport;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The router's {@code ferry.transport.exchanges} counter by transport, counted from a mark: which path served a test's
 * requests. An exchange is counted when it ends, just after its last byte went out, so the assertions wait until the
 * router has counted at least as many exchanges as the test's clients got answers to (then a request that slipped to
 * the other transport cannot go unseen).
 */
final class TransportExchanges {
    private static final Duration COUNTED_WITHIN = Duration.ofSeconds(10);

    private final Supplier<Map<Transport, Long>> counts;
    private final AtomicLong answered = new AtomicLong();
    /** The counts at the mark: none at the router's start. */
    private Map<Transport, Long> mark = Map.of();

    private long answeredAtMark;

    TransportExchanges(Supplier<Map<Transport, Long>> counts) {
        this.counts = counts;
    }

    /** A test's client got an answer (a response head) from the router. */
    void answered() {
        answered.incrementAndGet();
    }

    /** Counts from here on. */
    synchronized void mark() {
        mark = counts.get();
        answeredAtMark = answered.get();
    }

    /**
     * Every exchange since the mark was served by {@code transport}, at least one and at least as many as the clients
     * got answers to; then counts anew from here.
     */
    synchronized void assertAllServedBy(Transport transport) {
        long atLeast = Math.max(1, answered.get() - answeredAtMark);
        Map<Transport, Long> since = awaitCounted(atLeast);
        for (Transport other : Transport.values()) {
            if (other != transport) {
                assertThat(since.get(other))
                        .as("exchanges on %s since the mark, expected all on %s: %s", other, transport, since)
                        .isZero();
            }
        }
        assertThat(since.get(transport))
                .as("exchanges on %s since the mark (expected at least %d): %s", transport, atLeast, since)
                .isGreaterThanOrEqualTo(atLeast);
        mark();
    }

    /**
     * Exactly these exchanges since the mark, by transport (for raw sockets, where the test knows how many); then
     * counts anew from here.
     */
    synchronized void assertServed(long fast, long reactor) {
        Map<Transport, Long> expected = new EnumMap<>(Map.of(Transport.FAST, fast, Transport.REACTOR, reactor));
        Map<Transport, Long> since = awaitCounted(fast + reactor);
        assertThat(since).as("exchanges since the mark by transport").isEqualTo(expected);
        mark();
    }

    /** Exactly {@code count} exchanges since the mark, all served by {@code transport}; then counts anew from here. */
    void assertServedBy(Transport transport, long count) {
        assertServed(transport == Transport.FAST ? count : 0, transport == Transport.REACTOR ? count : 0);
    }

    private Map<Transport, Long> awaitCounted(long atLeast) {
        await().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .atMost(COUNTED_WITHIN)
                .untilAsserted(() -> assertThat(total(since()))
                        .as("exchanges counted since the mark (one is counted when it ends): %s", since())
                        .isGreaterThanOrEqualTo(atLeast));
        return since();
    }

    private static long total(Map<Transport, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private Map<Transport, Long> since() {
        Map<Transport, Long> now = counts.get();
        Map<Transport, Long> since = new EnumMap<>(Transport.class);
        for (Transport t : Transport.values()) {
            since.put(t, now.getOrDefault(t, 0L) - mark.getOrDefault(t, 0L));
        }
        return since;
    }
}
