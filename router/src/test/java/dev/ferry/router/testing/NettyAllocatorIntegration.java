package dev.ferry.router.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty 4.2's adaptive buffer allocator takes a short {@code StampedLock} when it grows or frees a magazine: by
 * design, bounded, and on every event loop of every Netty application. BlockHound sees the rare contended case as a
 * blocking call; these places are allowed so that it keeps watching Ferry's own code.
 */
public final class NettyAllocatorIntegration implements BlockHoundIntegration {
    private static final String MAGAZINE = "io.netty.buffer.AdaptivePoolingAllocator$Magazine";
    private static final String MAGAZINE_GROUP = "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup";

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(MAGAZINE, "tryAllocate")
                .allowBlockingCallsInside(MAGAZINE, "free")
                .allowBlockingCallsInside(MAGAZINE_GROUP, "tryExpandMagazines")
                .allowBlockingCallsInside(MAGAZINE_GROUP, "free");
    }
}
