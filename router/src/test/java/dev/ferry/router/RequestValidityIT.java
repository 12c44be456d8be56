package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RawHttp;
import dev.ferry.router.testing.RunningRouter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests two parties could read differently are refused before they are routed or forwarded, on both transports:
 * a missing or doubled {@code Host}, an absolute-form target naming another authority than {@code Host} (RFC 9112
 * §3.2), and a header that differs from one Ferry sets or trusts only by {@code _} for {@code -}.
 */
class RequestValidityIT {
    @TempDir
    static Path dir;

    private static Backends backends;
    private static RunningRouter router;

    @BeforeAll
    static void start() {
        backends = new Backends();
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(new FlagsFile(dir).tenantsOnNew("acme").config());
        router = RunningRouter.startReady(config);
    }

    @AfterAll
    static void stop() {
        router.close();
        backends.close();
    }

    @BeforeEach
    void reset() {
        backends.reset();
        router.countExchangesFromHere();
    }

    /** How a raw HTTP/1.1 request reaches each transport: as it is (the fast path), or handed to Reactor Netty. */
    enum RawPath {
        FAST(Transport.FAST, ""),
        /** An upgrade nobody offers: the fast path hands the connection to Reactor Netty. */
        REACTOR(Transport.REACTOR, "Upgrade: something-else\r\nConnection: upgrade, close\r\n");

        final Transport transport;
        final String extra;

        RawPath(Transport transport, String extra) {
            this.transport = transport;
            this.extra = extra;
        }

        String request(String startLine, String headers) {
            return startLine + "\r\n" + headers + "X-Tenant-Id: acme\r\n"
                    + (extra.isEmpty() ? "Connection: close\r\n" : extra) + "\r\n";
        }
    }

    @ParameterizedTest
    @EnumSource(RawPath.class)
    void refusesAnHttp11RequestWithoutHostOrWithTwo(RawPath path) throws Exception {
        String none = RawHttp.exchange(router.router().port(), path.request("GET /orders HTTP/1.1", ""));
        String two = RawHttp.exchange(
                router.router().port(), path.request("GET /orders HTTP/1.1", "Host: a.example\r\nHost: b.example\r\n"));

        assertThat(none)
                .startsWith("HTTP/1.1 400")
                .contains("X-Ferry-Error: request_invalid")
                .contains("the request has no Host header (expected: one, as every HTTP/1.1 request must)");
        assertThat(two).startsWith("HTTP/1.1 400").contains("the request has 2 Host headers (expected: exactly one)");
        assertNothingForwarded();
        router.assertServedBy(path.transport, 2);
    }

    @ParameterizedTest
    @EnumSource(RawPath.class)
    void refusesAnAbsoluteFormTargetThatNamesAnotherAuthorityThanHost(RawPath path) throws Exception {
        String other = RawHttp.exchange(
                router.router().port(),
                path.request("GET http://new-backend.internal/orders HTTP/1.1", "Host: api.example.com\r\n"));
        String same = RawHttp.exchange(
                router.router().port(),
                path.request("GET http://api.example.com/orders HTTP/1.1", "Host: api.example.com\r\n"));

        assertThat(other)
                .startsWith("HTTP/1.1 400")
                .contains("the request target names 'new-backend.internal' but Host says 'api.example.com'");
        assertThat(same).startsWith("HTTP/1.1 200").contains("served by new");
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).hasSize(1);
        assertThat(backends.of(Backend.LEGACY).getAllServeEvents()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(RawPath.class)
    void refusesAHostThatIsNotAHostAndPort(RawPath path) throws Exception {
        for (String host : new String[] {"bad host", "a/b", "user@host", "host:port", "a,b"}) {
            String response =
                    RawHttp.exchange(router.router().port(), path.request("GET / HTTP/1.1", "Host: " + host + "\r\n"));

            assertThat(response).as(host).startsWith("HTTP/1.1 400");
            if (path == RawPath.REACTOR && host.equals("host:port")) {
                continue; // Reactor Netty parses the port itself and refuses it before Ferry sees the request
            }
            assertThat(response).as(host).contains("is not a host with an optional port");
        }
        assertNothingForwarded();
        router.assertServedBy(path.transport, path == RawPath.REACTOR ? 4 : 5);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesAHeaderThatOnlyLooksLikeTheTenantOrAForwardingHeader(ClientProtocol protocol) throws Exception {
        for (String lookalike :
                new String[] {"X_Tenant_Id", "x_forwarded_for", "X_Ferry_Backend", "X-Forwarded_Host"}) {
            HttpResponse<String> response = router.send(
                    protocol,
                    HttpRequest.newBuilder(router.uri("/orders"))
                            .header("X-Tenant-Id", "acme")
                            .header(lookalike, "globex")
                            .timeout(Duration.ofSeconds(10))
                            .build());

            assertThat(response.statusCode()).as(lookalike).isEqualTo(400);
            assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("request_invalid");
            assertThat(response.body()).containsIgnoringCase("header '" + lookalike + "'");
        }
        HttpResponse<String> ordinary = router.send(
                protocol,
                HttpRequest.newBuilder(router.uri("/orders"))
                        .header("X-Tenant-Id", "acme")
                        .header("X_Custom_Thing", "kept")
                        .timeout(Duration.ofSeconds(10))
                        .build());
        assertThat(ordinary.body())
                .as("an underscore in any other header is the client's business")
                .isEqualTo("served by new");
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).hasSize(1);
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void stripsLookalikesInsteadWhenConfiguredSo(ClientProtocol protocol) throws Exception {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(new FlagsFile(java.nio.file.Files.createDirectories(dir.resolve("strip")))
                .tenantsOnNew("acme")
                .config());
        config.put("forwarding.lookalike-headers", "strip");
        try (RunningRouter stripping = RunningRouter.startReady(config)) {
            HttpResponse<String> response = stripping.send(
                    protocol,
                    HttpRequest.newBuilder(stripping.uri("/orders"))
                            .header("X-Tenant-Id", "acme")
                            .header("X_Tenant_Id", "globex")
                            .timeout(Duration.ofSeconds(10))
                            .build());

            assertThat(response.body()).isEqualTo("served by new");
            backends.of(Backend.NEW)
                    .verify(anyRequestedFor(anyUrl())
                            .withHeader("X_Tenant_Id", absent())
                            .withHeader(
                                    "X-Tenant-Id", com.github.tomakehurst.wiremock.client.WireMock.equalTo("acme")));
        }
    }

    private static void assertNothingForwarded() {
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
        assertThat(backends.of(Backend.LEGACY).getAllServeEvents()).isEmpty();
    }
}
