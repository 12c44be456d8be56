package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.ProxyFailure;

/**
 * What Ferry answers itself instead of a backend's response: the kind (status, {@code X-Ferry-Error}) and a message
 * for the client that names what was wrong and what was expected.
 */
public record Refusal(ProxyFailure failure, String message) {
    public Refusal {
        requireNonNull(failure, "failure");
        requireNonNull(message, "message");
    }
}
