package dev.ferry.router.cutover;

import dev.ferry.router.routing.RoutingDecision;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One held request: it waits, sent nowhere, until the cutover step lets it go. Completed once, by the holds' timer
 * (released, timed out) or by its transport (the client went away).
 */
public final class Hold {
    /** Why a request is held: the tag of {@code ferry_cutover_holds_total}. */
    public enum Cause {
        /** Its tenant moves now: around the move's time on every replica, and until new may open. */
        MOVE("move"),
        /** The replica's flag state is older than its lease, and the request would go to legacy. */
        STALE("stale");

        private final String tag;

        Cause(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    /** How a hold ended: the {@code outcome} tag of {@code ferry_cutover_holds_total}. */
    public enum Result {
        RELEASED("released"),
        TIMED_OUT("timed_out"),
        CLIENT_CLOSED("client_closed");

        private final String tag;

        Result(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final Cutover cutover;
    private final RoutingDecision decision;
    private final Cause cause;
    private final long firstHeldNanos;
    private final long startNanos;
    private final long deadlineNanos;
    private final CompletableFuture<Result> done = new CompletableFuture<>();

    Hold(Cutover cutover, RoutingDecision decision, Cause cause, long firstHeldNanos, long startNanos, long deadline) {
        this.cutover = cutover;
        this.decision = decision;
        this.cause = cause;
        this.firstHeldNanos = firstHeldNanos;
        this.startNanos = startNanos;
        this.deadlineNanos = deadline;
    }

    public Cause cause() {
        return cause;
    }

    /** The decision that was held: its tenant, and the move it waits for. */
    public RoutingDecision decision() {
        return decision;
    }

    /** When the request was first held ({@link System#nanoTime()}); a request held again keeps its first time. */
    public long firstHeldNanos() {
        return firstHeldNanos;
    }

    long startNanos() {
        return startNanos;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /** How it ended, or null while it is held. */
    public Result result() {
        return done.getNow(null);
    }

    /** Runs {@code then} on {@code executor} (the request's event loop) once the hold ends. */
    public void whenDone(Executor executor, Runnable then) {
        done.whenCompleteAsync((result, error) -> then.run(), executor);
    }

    /** The hold's end, for a transport that composes futures. */
    public CompletableFuture<Result> done() {
        return done;
    }

    /** The client went away while held. */
    public void abandon() {
        cutover.end(this, Result.CLIENT_CLOSED);
    }

    boolean complete(Result result) {
        return done.complete(result);
    }
}
