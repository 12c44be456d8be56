package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

/** The admin port: health, metrics and routing lookups. */
public record AdminConfig(String host, int port) {
    public AdminConfig {
        require(!host.isBlank(), "admin.host: empty (expected: an address such as 127.0.0.1)");
        require(port >= 0 && port <= 65535, "admin.port: %s (expected: 0 to 65535)", port);
    }
}
