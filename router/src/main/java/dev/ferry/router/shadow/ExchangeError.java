package dev.ferry.router.shadow;

/** How a backend failed to answer, if it did. */
public enum ExchangeError {
    /** It answered with a status line. */
    NONE,
    /** No connection could be opened. */
    CONNECT,
    /** No complete answer within the time allowed. */
    TIMEOUT,
    /** The connection was closed or reset before the answer was complete. */
    RESET
}
