package dev.ferry.router.exchange;

/**
 * The client went away or broke its own request (a reset during an upload). Says nothing about the backend: it never
 * counts against a backend's breaker, and the request is recorded as {@code client_closed}.
 */
public final class ClientAbortException extends RuntimeException {
    public ClientAbortException(Throwable cause) {
        super("the client aborted the request: " + cause.getMessage(), cause, false, false);
    }
}
