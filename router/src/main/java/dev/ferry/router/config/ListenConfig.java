package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.nio.file.Path;
import java.util.Set;

/**
 * The proxy's own port.
 *
 * @param tls the certificate and key when the port speaks TLS, or null for plain TCP
 */
public record ListenConfig(String host, int port, Set<Protocol> protocols, Tls tls) {
    /** A plain listener. */
    public ListenConfig(String host, int port, Set<Protocol> protocols) {
        this(host, port, protocols, null);
    }

    public ListenConfig {
        require(!host.isBlank(), "listen.host: empty (expected: an address such as 0.0.0.0 or 127.0.0.1)");
        require(port >= 0 && port <= 65535, "listen.port: %s (expected: 0 to 65535)", port);
        protocols = Set.copyOf(protocols);
        require(!protocols.isEmpty(), "listen.protocols: empty (expected: http1, h2 or both)");
        require(
                tls == null || !protocols.contains(Protocol.H2C),
                "listen.protocols: h2c is cleartext HTTP/2 but listen.tls.* is set (expected: http1, h2; over TLS, h2"
                        + " is negotiated by ALPN)");
    }

    public boolean secure() {
        return tls != null;
    }

    /** Whether the port serves HTTP/2: h2 by ALPN over TLS, or h2c (prior knowledge and upgrade) in cleartext. */
    public boolean http2() {
        return protocols.contains(Protocol.H2) || protocols.contains(Protocol.H2C);
    }

    public enum Protocol {
        HTTP1,
        /** HTTP/2: over TLS by ALPN; on a plain port, as h2c. */
        H2,
        /** Cleartext HTTP/2 only (prior knowledge and upgrade). */
        H2C
    }

    /** PEM files: the certificate chain, leaf first, and its private key (PKCS#8). */
    public record Tls(Path certificate, Path privateKey) {}
}
