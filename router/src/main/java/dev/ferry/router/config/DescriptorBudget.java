package dev.ferry.router.config;

/**
 * How the process's open-files limit is shared, decided once at start-up: what the JVM already holds, a reserve for
 * Ferry's own files (the flags file, the held-tenants record, Unleash's backup), the admin port and Unleash, the most
 * backend connections the pools may open, and what is left for client connections. Past
 * {@link #maxClientConnections()}, a new client connection is answered 503 {@code connection_limit} and closed, so the
 * process never reaches its limit and the files it must write can still be opened.
 *
 * @param openFilesLimit the process's limit ({@code ulimit -n}), or -1 where it cannot be read
 * @param openAtStart descriptors open when the configuration was read
 * @param reserve {@code limits.descriptor-reserve}
 * @param backendConnections the most backend connections the pools may hold
 * @param maxClientConnections client connections open at once, at most
 */
public record DescriptorBudget(
        long openFilesLimit, long openAtStart, int reserve, int backendConnections, int maxClientConnections) {
    /** Fewer client connections than this is no proxy: start-up stops and says what to raise. */
    public static final int MIN_CLIENT_CONNECTIONS = 64;

    /** Descriptors a client connection may cost: its socket, and a WebSocket's own backend socket (outside the pools). */
    public static final int PER_CLIENT_CONNECTION = 2;

    /** Client connections the limit leaves, when derived ({@code limits.max-client-connections: auto}). */
    public static long derived(long openFilesLimit, long openAtStart, int reserve, int backendConnections) {
        return (openFilesLimit - openAtStart - reserve - backendConnections) / PER_CLIENT_CONNECTION;
    }

    /** How the figure was reached, for the start-up log and for errors. */
    public String explain() {
        if (openFilesLimit < 0) {
            return "open-files limit unknown";
        }
        return "open-files limit " + openFilesLimit + ": " + openAtStart + " open at start, " + reserve
                + " reserved (limits.descriptor-reserve), " + backendConnections
                + " for backend connections (pool.max-connections per backend and pool), " + PER_CLIENT_CONNECTION
                + " per client connection";
    }
}
