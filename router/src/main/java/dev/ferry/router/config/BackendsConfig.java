package dev.ferry.router.config;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Backend;
import java.net.URI;

/** Where each backend is: {@code http://host:port}, optionally with a base path that is put before every path. */
public record BackendsConfig(URI legacy, URI newBackend) {
    public BackendsConfig {
        requireNonNull(legacy, "legacy");
        requireNonNull(newBackend, "newBackend");
    }

    public URI url(Backend backend) {
        return backend == Backend.LEGACY ? legacy : newBackend;
    }
}
