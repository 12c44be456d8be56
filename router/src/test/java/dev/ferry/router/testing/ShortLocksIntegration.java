package dev.ferry.router.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Libraries on the request path that take a short lock by design, bounded and held for a few instructions. BlockHound
 * sees the rare contended case as a blocking call; these places are allowed so that it keeps watching Ferry's own
 * code:
 *
 * <ul>
 *   <li>Netty 4.2's adaptive buffer allocator takes a {@code StampedLock} when it grows or frees a magazine;
 *   <li>Resilience4j's count-based sliding window (a breaker's statistics) records each call under a
 *       {@code ReentrantLock}; two event loops finishing calls to one backend at once meet there;
 *   <li>OpenTelemetry's batch span processor (tracing on) queues an ended span lock-free, and when a batch is full
 *       wakes its exporter through an {@code ArrayBlockingQueue}, whose lock is held for the offer alone.
 * </ul>
 */
public final class ShortLocksIntegration implements BlockHoundIntegration {
    private static final String MAGAZINE = "io.netty.buffer.AdaptivePoolingAllocator$Magazine";
    private static final String MAGAZINE_GROUP = "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup";
    private static final String BREAKER_WINDOW = "io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics";
    private static final String SPAN_BATCH = "io.opentelemetry.sdk.trace.export.BatchSpanProcessor$Worker";

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(MAGAZINE, "tryAllocate")
                .allowBlockingCallsInside(MAGAZINE, "free")
                .allowBlockingCallsInside(MAGAZINE_GROUP, "tryExpandMagazines")
                .allowBlockingCallsInside(MAGAZINE_GROUP, "free")
                .allowBlockingCallsInside(BREAKER_WINDOW, "record")
                .allowBlockingCallsInside(BREAKER_WINDOW, "getSnapshot")
                .allowBlockingCallsInside(SPAN_BATCH, "addSpan");
    }
}
