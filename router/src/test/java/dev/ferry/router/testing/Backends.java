package dev.ferry.router.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.ferry.router.exchange.Backend;
import java.util.EnumMap;
import java.util.Map;

/** Two WireMock backends on loopback, "legacy" and "new", each answering every request with its own name. */
public final class Backends implements AutoCloseable {
    private final Map<Backend, WireMockServer> servers = new EnumMap<>(Backend.class);

    public Backends() {
        for (Backend backend : Backend.values()) {
            WireMockServer server =
                    new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            server.stubFor(WireMock.any(WireMock.anyUrl())
                    .willReturn(WireMock.ok("served by " + backend.tag()).withHeader("X-Served-By", backend.tag())));
            servers.put(backend, server);
        }
    }

    public WireMockServer of(Backend backend) {
        return servers.get(backend);
    }

    public String url(Backend backend) {
        return "http://127.0.0.1:" + servers.get(backend).port();
    }

    /** Backend config keys pointing at these servers. */
    public Map<String, String> config() {
        return Map.of("backends.legacy.url", url(Backend.LEGACY), "backends.new.url", url(Backend.NEW));
    }

    public void reset() {
        servers.forEach((backend, server) -> {
            server.resetAll();
            server.stubFor(WireMock.any(WireMock.anyUrl())
                    .willReturn(WireMock.ok("served by " + backend.tag()).withHeader("X-Served-By", backend.tag())));
        });
    }

    @Override
    public void close() {
        servers.values().forEach(WireMockServer::stop);
    }
}
