package dev.ferry.router.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.util.HashMap;
import java.util.Map;

/**
 * The Unleash client API ({@code GET /api/client/features}) served by WireMock, for edge cases that need no real
 * server: the real SDK polls it. Flips go through {@link #tenantsOnNew}.
 */
public final class UnleashStub implements AutoCloseable {
    public static final String TOKEN = "default:development.test-client-token";
    private final WireMockServer server =
            new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());

    public UnleashStub() {
        server.start();
        server.stubFor(WireMock.post(WireMock.urlPathMatching("/api/client/.*")).willReturn(WireMock.ok()));
        unavailable();
    }

    /** The flag enabled exactly for these tenants. */
    public UnleashStub tenantsOnNew(String... tenants) {
        return serve(FlagDocuments.tenantsOnNew(tenants));
    }

    public UnleashStub serve(String document) {
        server.stubFor(WireMock.get(WireMock.urlPathEqualTo("/api/client/features"))
                .withHeader("Authorization", WireMock.equalTo(TOKEN))
                .willReturn(WireMock.okJson(document)));
        return this;
    }

    /** Every fetch fails with 503 until {@link #serve} is called. */
    public UnleashStub unavailable() {
        server.stubFor(WireMock.get(WireMock.urlPathEqualTo("/api/client/features"))
                .willReturn(WireMock.serviceUnavailable()));
        return this;
    }

    public int port() {
        return server.port();
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + server.port() + "/api";
    }

    /** Flag-source config keys pointing at this stub; the backup file goes under {@code dir}. */
    public Map<String, String> config(java.nio.file.Path dir) {
        Map<String, String> c = new HashMap<>();
        c.put("flags.source", "unleash");
        c.put("flags.unleash.url", apiUrl());
        c.put("flags.unleash.token", TOKEN);
        c.put("flags.unleash.backup-file", dir.resolve("unleash-backup.json").toString());
        return c;
    }

    @Override
    public void close() {
        server.stop();
    }
}
