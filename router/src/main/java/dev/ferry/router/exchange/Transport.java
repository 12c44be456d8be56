package dev.ferry.router.exchange;

/**
 * Which of the two ways of carrying bytes served an exchange. Both run the same pipeline; the {@code transport} tag of
 * {@code ferry.transport.exchanges} shows how much traffic each one carries.
 */
public enum Transport {
    /** Plain HTTP/1.1 to plain-HTTP backends, relayed on Netty directly: most production traffic. */
    FAST("fast"),
    /** Reactor Netty: HTTP/2 (h2c), WebSocket, {@code Expect}, HTTP/1.0, HTTPS backends, and all when the fast path is off. */
    REACTOR("reactor");

    private final String tag;

    Transport(String tag) {
        this.tag = tag;
    }

    /** The value of the {@code transport} tag. */
    public String tag() {
        return tag;
    }
}
