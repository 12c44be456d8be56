package dev.ferry.router.transport;

import dev.ferry.router.pipeline.Admission;
import dev.ferry.router.pipeline.Outcome;
import dev.ferry.router.pipeline.Refusal;

/**
 * What a transport saw of one exchange while it moved its bytes, turned into the immutable {@link Outcome} once, at the
 * end. Only touched by the exchange's own event loop.
 */
final class ExchangeTally {
    /** The status the client got (0: none yet). */
    int status;
    /** What went wrong, as named by the pipeline, or null. */
    Refusal refusal;

    /** {@link System#nanoTime()} when the response's head was handed to the client (0: not yet). */
    long firstByteNanos;

    boolean clientClosed;
    long requestBytes;
    long responseBytes;

    Outcome outcome(Admission admission) {
        return new Outcome(
                admission,
                status,
                refusal == null ? null : refusal.failure(),
                clientClosed,
                requestBytes,
                responseBytes,
                firstByteNanos,
                System.nanoTime());
    }

    /** The response's head goes to the client now, with this status. */
    void responding(int status) {
        this.status = status;
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }
}
