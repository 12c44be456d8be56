package dev.ferry.router.testing;

import dev.ferry.router.exchange.Transport;
import java.net.http.HttpClient;
import java.time.Duration;
import reactor.netty.http.HttpProtocol;

/**
 * How a test's client speaks to the router, and so which transport must serve it. The JDK client defaults to HTTP/2
 * and, over {@code http://}, silently upgrades to h2c: a test that does not choose gets the Reactor Netty path, not the
 * fast path production's HTTP/1.1 traffic takes. Forwarding tests run with each value and assert the transport.
 */
public enum ClientProtocol {
    /** HTTP/1.1, never an upgrade: production's traffic, served by the fast path. */
    HTTP_1_1("HTTP/1.1", "1.1", HttpClient.Version.HTTP_1_1, HttpProtocol.HTTP11, Transport.FAST),
    /**
     * HTTP/2 in cleartext, served by Reactor Netty: the JDK client upgrades its first request on a connection (so its
     * body must stay under the router's 64 KiB h2c-upgrade limit), Reactor Netty's speaks HTTP/2 from the first byte
     * (prior knowledge).
     */
    H2C("h2c", "2", HttpClient.Version.HTTP_2, HttpProtocol.H2C, Transport.REACTOR);

    private final String label;
    private final String version;
    private final HttpClient.Version jdkVersion;
    private final HttpProtocol reactorProtocol;
    private final Transport servedBy;
    private HttpClient jdkClient;

    ClientProtocol(
            String label,
            String version,
            HttpClient.Version jdkVersion,
            HttpProtocol reactorProtocol,
            Transport servedBy) {
        this.label = label;
        this.version = version;
        this.jdkVersion = jdkVersion;
        this.reactorProtocol = reactorProtocol;
        this.servedBy = servedBy;
    }

    /** The transport that must serve this protocol's requests (with the fast path on). */
    public Transport servedBy() {
        return servedBy;
    }

    /** The protocol version as the router names it in {@code Via}: {@code 1.1} or {@code 2}. */
    public String version() {
        return version;
    }

    /** The JDK client pinned to this protocol, shared (its connections are kept alive per router port). */
    public synchronized HttpClient jdkClient() {
        if (jdkClient == null) {
            jdkClient = HttpClient.newBuilder()
                    .version(jdkVersion)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        }
        return jdkClient;
    }

    /** A Reactor Netty client speaking this protocol (h2c by prior knowledge), for what the JDK client cannot send. */
    public reactor.netty.http.client.HttpClient reactorClient() {
        return reactor.netty.http.client.HttpClient.create().protocol(reactorProtocol);
    }

    @Override
    public String toString() {
        return label + " (" + servedBy.tag() + " path)";
    }
}
