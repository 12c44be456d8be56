package dev.ferry.admin.tenants;

/**
 * Where a long operation is: reading thousands of ids, writing a large list, paging through an event log. The command
 * line shows it as one line on stderr; tests use it to do something at a given step.
 */
public interface Progress {
    /**
     * @param step what is happening ("writing rule pilot")
     * @param done how much of it is done
     * @param total how much there is, or 0 when unknown
     */
    void step(String step, long done, long total);

    /** The operation ended; a progress line is cleared. */
    default void done() {}

    static Progress none() {
        return (step, done, total) -> {};
    }
}
