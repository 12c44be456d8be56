package dev.ferry.router.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.config.ForwardingConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.TraceParent;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyHeadersTest {
    private static final TenantId ACME = new TenantId("acme");
    private static final String CLIENT = "10.0.0.9";
    private static final String BACKEND = "127.0.0.1:8082";

    private static final ForwardingConfig DEFAULTS = new ForwardingConfig("", "X-Tenant-Id", false, false);
    private static final ForwardingConfig TRUSTING = new ForwardingConfig("", "X-Tenant-Id", false, true);

    @Nested
    class TowardTheBackend {
        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource({
            "Connection, close",
            "Keep-Alive, timeout=5",
            "Proxy-Connection, keep-alive",
            "TE, trailers",
            "Transfer-Encoding, chunked",
            "Upgrade, websocket",
            "Trailer, X-Checksum",
            "Proxy-Authorization, Basic dXNlcjpwYXNz",
            "Proxy-Authenticate, Basic",
            "Expect, 100-continue"
        })
        void removesEachHopByHopHeader(String name, String value) {
            HttpHeaders out = toBackend(DEFAULTS, headers(name, value, "Accept", "text/plain"), ACME);

            assertThat(out.contains(name)).isFalse();
            assertThat(out.get("Accept")).isEqualTo("text/plain");
        }

        @Test
        void removesEveryHeaderTheConnectionHeadersNameWhateverTheirCase() {
            HttpHeaders in = headers(
                    "Connection", "X-Custom-One, x-custom-two,,keep-alive",
                    "connection", "X-CUSTOM-THREE",
                    "x-custom-one", "1",
                    "X-Custom-Two", "2",
                    "X-Custom-Three", "3",
                    "X-Custom-Four", "4");

            HttpHeaders out = toBackend(DEFAULTS, in, ACME);

            assertThat(out.contains("X-Custom-One")).isFalse();
            assertThat(out.contains("X-Custom-Two")).isFalse();
            assertThat(out.contains("X-Custom-Three")).isFalse();
            assertThat(out.contains("Connection")).isFalse();
            assertThat(out.get("X-Custom-Four")).isEqualTo("4");
        }

        @ParameterizedTest
        @ValueSource(
                strings = {"X-Ferry-Backend", "x-ferry-route", "X-FERRY-DEBUG", "x-http2-stream-id", "X-Http2-Scheme"})
        void removesFerryAndNettyInternalHeaders(String name) {
            HttpHeaders out = toBackend(DEFAULTS, headers(name, "new", "X-Ferryman", "charon"), ACME);

            assertThat(out.contains(name)).isFalse();
            assertThat(out.get("X-Ferryman")).isEqualTo("charon");
        }

        @Test
        void keepsEndToEndHeadersWithAllTheirValues() {
            HttpHeaders in = headers(
                    "Accept", "application/json",
                    "Authorization", "Bearer abc",
                    "Cookie", "a=1",
                    "Cookie", "b=2",
                    "Content-Type", "application/json",
                    "Content-Length", "42",
                    "X-Request-Id", "req-1");

            HttpHeaders out = toBackend(DEFAULTS, in, ACME);

            assertThat(out.get("Accept")).isEqualTo("application/json");
            assertThat(out.get("Authorization")).isEqualTo("Bearer abc");
            assertThat(out.getAll("Cookie")).containsExactly("a=1", "b=2");
            assertThat(out.get("Content-Type")).isEqualTo("application/json");
            assertThat(out.get("Content-Length")).isEqualTo("42");
            assertThat(out.get("X-Request-Id")).isEqualTo("req-1");
        }

        @Test
        void dropsWhatTheBackendRequestHeldBefore() {
            HttpHeaders out = headers("X-Stale", "yes");

            new ProxyHeaders(DEFAULTS).toBackend(headers("Accept", "*/*"), out, ACME, CLIENT, BACKEND);

            assertThat(out.contains("X-Stale")).isFalse();
        }

        @Test
        void replacesTheClientsTenantHeaderWithTheResolvedTenant() {
            HttpHeaders in = headers("X-Tenant-Id", "globex", "x-tenant-id", "initech");

            assertThat(toBackend(DEFAULTS, in, ACME).getAll("X-Tenant-Id")).containsExactly("acme");
        }

        @Test
        void removesTheClientsTenantHeaderWhenNoTenantWasResolved() {
            assertThat(toBackend(DEFAULTS, headers("X-Tenant-Id", "globex"), null)
                            .contains("X-Tenant-Id"))
                    .isFalse();
        }

        @Test
        void setsTheResolvedTenantInTheConfiguredHeader() {
            ForwardingConfig config = new ForwardingConfig("", "X-Org", false, false);

            assertThat(toBackend(config, headers("X-Org", "globex"), ACME).getAll("X-Org"))
                    .containsExactly("acme");
        }

        @Test
        void rewritesHostToTheBackendsAuthority() {
            assertThat(toBackend(DEFAULTS, headers("Host", "shop.example.com"), ACME)
                            .getAll("Host"))
                    .containsExactly(BACKEND);
        }

        @Test
        void keepsTheClientsHostWhenPreserveHostIsOn() {
            ForwardingConfig config = new ForwardingConfig("", "X-Tenant-Id", true, false);

            assertThat(toBackend(config, headers("Host", "shop.example.com"), ACME)
                            .getAll("Host"))
                    .containsExactly("shop.example.com");
        }

        @Test
        void usesTheBackendsAuthorityWhenPreserveHostIsOnButTheClientSentNoHost() {
            ForwardingConfig config = new ForwardingConfig("", "X-Tenant-Id", true, false);

            assertThat(toBackend(config, headers("Accept", "*/*"), ACME).get("Host"))
                    .isEqualTo(BACKEND);
        }

        @Test
        void replacesForwardedHeadersFromAnUntrustedClient() {
            HttpHeaders in = headers(
                    "Host", "shop.example.com",
                    "X-Forwarded-For", "1.2.3.4",
                    "X-Forwarded-Proto", "https",
                    "X-Forwarded-Host", "admin.example.com",
                    "Forwarded", "for=1.2.3.4;proto=https");

            HttpHeaders out = toBackend(DEFAULTS, in, ACME);

            assertThat(out.getAll("X-Forwarded-For")).containsExactly(CLIENT);
            assertThat(out.getAll("X-Forwarded-Proto")).containsExactly("http");
            assertThat(out.getAll("X-Forwarded-Host")).containsExactly("shop.example.com");
            assertThat(out.contains("Forwarded")).isFalse();
        }

        @Test
        void removesAnUntrustedForwardedHostWhenTheClientSentNoHost() {
            HttpHeaders out = toBackend(DEFAULTS, headers("X-Forwarded-Host", "admin.example.com"), ACME);

            assertThat(out.contains("X-Forwarded-Host")).isFalse();
        }

        @Test
        void extendsForwardedHeadersFromATrustedProxy() {
            HttpHeaders in = headers(
                    "Host", "shop.example.com",
                    "X-Forwarded-For", "1.2.3.4, 5.6.7.8",
                    "X-Forwarded-Proto", "https",
                    "X-Forwarded-Host", "www.example.com",
                    "Forwarded", "for=1.2.3.4;proto=https");

            HttpHeaders out = toBackend(TRUSTING, in, ACME);

            assertThat(out.getAll("X-Forwarded-For")).containsExactly("1.2.3.4, 5.6.7.8, " + CLIENT);
            assertThat(out.getAll("X-Forwarded-Proto")).containsExactly("https");
            assertThat(out.getAll("X-Forwarded-Host")).containsExactly("www.example.com");
            assertThat(out.getAll("Forwarded")).containsExactly("for=1.2.3.4;proto=https");
        }

        @Test
        void startsForwardedHeadersWhenATrustedProxySentNone() {
            HttpHeaders out = toBackend(TRUSTING, headers("Host", "shop.example.com"), ACME);

            assertThat(out.getAll("X-Forwarded-For")).containsExactly(CLIENT);
            assertThat(out.getAll("X-Forwarded-Proto")).containsExactly("http");
            assertThat(out.getAll("X-Forwarded-Host")).containsExactly("shop.example.com");
        }

        @ParameterizedTest(name = "Via ''{0}'' becomes ''{1}''")
        @CsvSource(
                quoteCharacter = '"',
                value = {
                    "\"\", 1.1 ferry",
                    "1.1 edge, \"1.1 edge, 1.1 ferry\"",
                    "\"1.0 a, 1.1 b\", \"1.0 a, 1.1 b, 1.1 ferry\""
                })
        void appendsFerryToVia(String prior, String expected) {
            HttpHeaders in = prior.isEmpty() ? headers() : headers("Via", prior);

            assertThat(toBackend(DEFAULTS, in, ACME).getAll("Via")).containsExactly(expected);
        }
    }

    @Nested
    class TowardTheClient {
        @Test
        void removesHopByHopHeadersAndThoseTheConnectionHeaderNames() {
            HttpHeaders in = headers(
                    "Connection", "close, X-Backend-Hop",
                    "Keep-Alive", "timeout=5",
                    "Transfer-Encoding", "chunked",
                    "Upgrade", "h2c",
                    "Trailer", "X-Checksum",
                    "Proxy-Authenticate", "Basic",
                    "X-Backend-Hop", "1",
                    "Content-Type", "text/plain",
                    "Set-Cookie", "a=1",
                    "Set-Cookie", "b=2");

            HttpHeaders out = toClient(DEFAULTS, in, Backend.NEW);

            assertThat(out.names())
                    .usingElementComparator(String.CASE_INSENSITIVE_ORDER)
                    .containsExactlyInAnyOrder("Content-Type", "Set-Cookie", "Via");
            assertThat(out.getAll("Set-Cookie")).containsExactly("a=1", "b=2");
            assertThat(out.get("Content-Type")).isEqualTo("text/plain");
        }

        @Test
        void appendsFerryToTheBackendsVia() {
            assertThat(toClient(DEFAULTS, headers("Via", "1.1 backend"), Backend.LEGACY)
                            .getAll("Via"))
                    .containsExactly("1.1 backend, 1.1 ferry");
        }

        @ParameterizedTest
        @CsvSource({"LEGACY, legacy", "NEW, new"})
        void namesTheBackendThatServedInTheConfiguredHeader(Backend backend, String name) {
            ForwardingConfig config = new ForwardingConfig("X-Ferry-Backend", "X-Tenant-Id", false, false);

            HttpHeaders out = toClient(config, headers("X-Ferry-Backend", "spoofed"), backend);

            assertThat(out.getAll("X-Ferry-Backend")).containsExactly(name);
        }

        @Test
        void namesNoBackendWhenNoServedByHeaderIsConfigured() {
            HttpHeaders out = toClient(DEFAULTS, headers("Content-Type", "text/plain"), Backend.NEW);

            assertThat(out.names())
                    .usingElementComparator(String.CASE_INSENSITIVE_ORDER)
                    .containsExactlyInAnyOrder("Content-Type", "Via");
        }
    }

    @ParameterizedTest(name = "Connection ''{0}'', Upgrade ''{1}'': {2}")
    @CsvSource(
            quoteCharacter = '"',
            value = {
                "Upgrade, websocket, true",
                "\"keep-alive, Upgrade\", WebSocket, true",
                "upgrade, h2c, false",
                "keep-alive, websocket, false",
                ", websocket, false",
                "upgrade, , false"
            })
    void recognisesAWebSocketUpgrade(String connection, String upgrade, boolean expected) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (connection != null) {
            headers.add("Connection", connection);
        }
        if (upgrade != null) {
            headers.add("Upgrade", upgrade);
        }

        assertThat(ProxyHeaders.isWebSocketUpgrade(headers)).isEqualTo(expected);
    }

    @Nested
    class TraceContext {
        private static final String CLIENT_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        private static final String FERRY_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";

        @Test
        void passesTraceparentAndTracestateUnchangedWhenFerryRecordsNoSpan() {
            HttpHeaders in = headers("traceparent", "00-garbage", "tracestate", "congo=t61rcWkgMzE");

            HttpHeaders out = toBackend(DEFAULTS, in, ACME);

            assertThat(out.get("traceparent")).isEqualTo("00-garbage");
            assertThat(out.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        }

        @Test
        void namesFerrysSpanAsTheParentAndKeepsTheClientsTracestate() {
            HttpHeaders in = headers("traceparent", CLIENT_PARENT, "tracestate", "congo=t61rcWkgMzE");
            HttpHeaders out = new DefaultHttpHeaders();

            new ProxyHeaders(DEFAULTS)
                    .toBackend(in, out, ACME, CLIENT, BACKEND, "1.1", new TraceParent(FERRY_PARENT, true));

            assertThat(out.getAll("traceparent")).containsExactly(FERRY_PARENT);
            assertThat(out.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        }

        @Test
        void dropsTheTracestateOfATraceFerryCouldNotJoin() {
            HttpHeaders in = headers("traceparent", "00-garbage", "tracestate", "congo=t61rcWkgMzE");
            HttpHeaders out = new DefaultHttpHeaders();

            new ProxyHeaders(DEFAULTS)
                    .toBackend(in, out, ACME, CLIENT, BACKEND, "1.1", new TraceParent(FERRY_PARENT, false));

            assertThat(out.get("traceparent")).isEqualTo(FERRY_PARENT);
            assertThat(out.contains("tracestate")).isFalse();
        }
    }

    private static HttpHeaders toBackend(ForwardingConfig config, HttpHeaders in, TenantId tenant) {
        HttpHeaders out = new DefaultHttpHeaders();
        new ProxyHeaders(config).toBackend(in, out, tenant, CLIENT, BACKEND);
        return out;
    }

    private static HttpHeaders toClient(ForwardingConfig config, HttpHeaders in, Backend backend) {
        HttpHeaders out = new DefaultHttpHeaders();
        new ProxyHeaders(config).toClient(in, out, backend);
        return out;
    }

    /** @param namesAndValues name, value, name, value... (a name may repeat) */
    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }
}
