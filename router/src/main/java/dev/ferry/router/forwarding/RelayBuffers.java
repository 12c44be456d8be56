package dev.ferry.router.forwarding;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The buffer allocator of the connections Ferry relays on: client connections and the fast path's backend connections.
 *
 * <p>Netty's pooled allocator, not Netty 4.2's default adaptive one: in JFR profiles of the fast path, the adaptive
 * allocator's buffers spent about 6 % of the CPU writing header text ({@code setCharSequence}) and 5 % allocating,
 * and side-by-side runs measured 5-10 % less CPU per request with the pooled one (docs/performance.md). An operator who
 * sets {@code -Dio.netty.allocator.type} chooses for themselves.
 */
public final class RelayBuffers {
    /** Chosen once: every connection Ferry opens or accepts asks for it. */
    private static final ByteBufAllocator ALLOCATOR = System.getProperty("io.netty.allocator.type") == null
            ? PooledByteBufAllocator.DEFAULT
            : ByteBufAllocator.DEFAULT;

    private RelayBuffers() {}

    public static ByteBufAllocator allocator() {
        return ALLOCATOR;
    }

    /** Direct memory held by this allocator and Netty's default one (Reactor Netty's backend clients), in bytes. */
    public static long usedDirectMemory() {
        long used = used(ALLOCATOR);
        return ALLOCATOR == ByteBufAllocator.DEFAULT ? used : used + used(ByteBufAllocator.DEFAULT);
    }

    private static long used(ByteBufAllocator allocator) {
        return allocator instanceof ByteBufAllocatorMetricProvider p
                ? p.metric().usedDirectMemory()
                : 0;
    }
}
