package dev.ferry.router.cutover;

/**
 * What the cutover step reports; the metrics implement it. Called on event loops and on the holds' timer thread:
 * cheap and non-blocking.
 */
public interface CutoverEvents {
    /** A held request was let go: released, timed out or abandoned by its client, after {@code nanos}. */
    void holdEnded(Hold.Cause cause, Hold.Result result, long nanos);

    /** A request was refused at once because too many are held already. */
    void holdRefused(Hold.Cause cause);

    /** The pre-activation check answered: {@code passed} on 2xx. */
    void checkAnswered(boolean passed);
}
