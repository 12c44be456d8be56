package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.util.Set;

/** The proxy's own port. */
public record ListenConfig(String host, int port, Set<Protocol> protocols) {
    public ListenConfig {
        require(!host.isBlank(), "listen.host: empty (expected: an address such as 0.0.0.0 or 127.0.0.1)");
        require(port >= 0 && port <= 65535, "listen.port: %s (expected: 0 to 65535)", port);
        protocols = Set.copyOf(protocols);
        require(!protocols.isEmpty(), "listen.protocols: empty (expected: http1, h2c or both)");
    }

    public enum Protocol {
        HTTP1,
        H2C
    }
}
