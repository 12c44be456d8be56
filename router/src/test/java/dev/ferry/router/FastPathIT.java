package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.RawHttp;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection-level fast path where it differs from Reactor Netty's: pipelined requests mixed with requests it
 * passes on, a client that stalls mid-upload, bodies both ways over kept-alive connections, and the switch that turns
 * it off. Each test asserts which transport served each exchange.
 */
class FastPathIT {
    static Backends backends;
    static UnleashStub unleash;
    static RunningRouter router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        unleash = new UnleashStub().tenantsOnNew("globex");
        router = RunningRouter.startReady(config(dir.resolve("on")));
    }

    private static Map<String, String> config(Path flags) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(flags));
        config.put("timeouts.client-read", "300ms");
        config.put("forwarding.served-by-header", "X-Served-By");
        return config;
    }

    @BeforeEach
    void resetBackendsAndCounts() {
        backends.reset();
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        unleash.close();
        backends.close();
    }

    @Test
    void answersPipelinedRequestsInOrderAcrossBackendsAndAcrossRequestsItPassesOn() throws Exception {
        // The third asks for an upgrade no one offers: Reactor Netty serves it, after the two before it.
        String response = RawHttp.exchange(
                router.router().port(),
                """
                GET /one HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: acme\r
                \r
                POST /two HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: globex\r
                Content-Length: 5\r
                \r
                helloGET /three HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: acme\r
                Upgrade: something-else\r
                Connection: upgrade, close\r
                \r
                """);

        assertThat(response.split("HTTP/1.1 200", -1)).hasSize(4);
        int one = response.indexOf("served by legacy");
        int two = response.indexOf("served by new");
        int three = response.indexOf("served by legacy", one + 1);
        assertThat(one).isPositive().isLessThan(two);
        assertThat(two).isLessThan(three);
        backends.of(Backend.NEW).verify(postRequestedFor(urlEqualTo("/two")).withRequestBody(equalTo("hello")));
        backends.of(Backend.LEGACY).verify(anyRequestedFor(urlEqualTo("/three")));
        router.assertServed(2, 1);
    }

    @Test
    void relaysBodiesBothWaysOverKeptAliveConnections() {
        backends.of(Backend.NEW)
                .stubFor(any(urlEqualTo("/echo"))
                        .willReturn(aResponse()
                                .withStatus(201)
                                .withBody("{{request.body}}")
                                .withTransformers("response-template")));
        String body = "x".repeat(200_000);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = router.send(
                    ClientProtocol.HTTP_1_1,
                    HttpRequest.newBuilder(router.uri("/echo"))
                            .header("X-Tenant-Id", "globex")
                            .POST(HttpRequest.BodyPublishers.ofString(body + i))
                            .build());

            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(response.body()).isEqualTo(body + i);
            assertThat(response.headers().firstValue("X-Served-By")).hasValue("new");
        }
        // The backend connection goes back to its pool once the response's end is written to the client, which can
        // be a moment after the client has read it
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(router.metrics())
                .contains("ferry_pool_connections{backend=\"new\",state=\"active\"} 0.0")
                .doesNotContain("ferry_pool_connections{backend=\"new\",state=\"idle\"} 0.0"));
        router.assertServedBy(Transport.FAST, 3);
    }

    @Test
    void closesAClientThatStallsMidUploadAndFreesTheBackendConnection() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), router.router().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: globex\r\nContent-Length: 100\r\n\r\n"
                            + "only ten..")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();

            assertThat(in.readAllBytes()).isEmpty(); // closed after timeouts.client-read, nothing answered
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(router.metrics())
                .contains("ferry_pool_connections{backend=\"new\",state=\"active\"} 0.0")
                .contains("outcome=\"client_closed\""));
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
        assertThat(router.get(ClientProtocol.HTTP_1_1, "globex", "/").body()).isEqualTo("served by new");
        router.assertServedBy(Transport.FAST, 2);
    }

    @Test
    void neverServesWhatIsPipelinedAfterAResponseThatClosesTheConnection() throws Exception {
        // First an answer of Ferry's own that closes, then one of Reactor Netty's (HTTP/1.0, no keep-alive).
        String ownAnswer = RawHttp.exchange(
                router.router().port(),
                """
                GET /no-tenant HTTP/1.1\r
                Host: x\r
                Connection: close\r
                \r
                POST /must-not-arrive HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: acme\r
                Content-Length: 2\r
                \r
                hi""");
        String reactorAnswer = RawHttp.exchange(
                router.router().port(),
                """
                GET /old HTTP/1.0\r
                Host: x\r
                X-Tenant-Id: acme\r
                \r
                POST /must-not-arrive-either HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: acme\r
                Content-Length: 2\r
                \r
                hi""");

        assertThat(ownAnswer).startsWith("HTTP/1.1 400").contains("tenant_missing");
        assertThat(ownAnswer.split("HTTP/1.1 ", -1)).hasSize(2);
        assertThat(reactorAnswer).contains("served by legacy");
        assertThat(reactorAnswer.split("HTTP/1.1 ", -1)).hasSize(2);
        backends.of(Backend.LEGACY).verify(0, postRequestedFor(urlEqualTo("/must-not-arrive")));
        backends.of(Backend.LEGACY).verify(0, postRequestedFor(urlEqualTo("/must-not-arrive-either")));
        router.assertServed(1, 1);
    }

    @Test
    void answersABodyThatCannotBeDecodedWith400AndNeverCompletesItTowardTheBackend() throws Exception {
        String response = RawHttp.exchange(
                router.router().port(),
                """
                POST /chunks HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: globex\r
                Transfer-Encoding: chunked\r
                \r
                5\r
                hello\r
                zz-not-a-size\r
                \r
                """);

        assertThat(response).startsWith("HTTP/1.1 400").contains("request_invalid");
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(router.metrics())
                .contains("ferry_pool_connections{backend=\"new\",state=\"active\"} 0.0"));
        router.assertServedBy(Transport.FAST, 1);
    }

    @Test
    void closesAStalledUploadPipelinedBehindAnotherRequest() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), router.router().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /first HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: globex\r\n\r\n"
                            + "POST /second HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: globex\r\nContent-Length: 100\r\n\r\n"
                            + "only ten..")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answered = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answered).startsWith("HTTP/1.1 200").contains("served by new");
            assertThat(answered.split("HTTP/1.1 ", -1)).hasSize(2);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(router.metrics())
                .contains("ferry_pool_connections{backend=\"new\",state=\"active\"} 0.0"));
        backends.of(Backend.NEW).verify(0, postRequestedFor(urlEqualTo("/second")));
        router.assertServedBy(Transport.FAST, 2);
    }

    @Test
    void answersAHundredPipelinedRequestsInOrder() throws Exception {
        // Netty's codec refuses more than 128 unanswered requests on a connection; a hundred is deep already.
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            // Every other one fails at once (no tenant), the rest go to a backend: both kinds keep their turn.
            requests.append("GET /n").append(i).append(" HTTP/1.1\r\nHost: x\r\n");
            if (i % 2 == 0) {
                requests.append("X-Tenant-Id: acme\r\n");
            }
            if (i == 99) {
                requests.append("Connection: close\r\n");
            }
            requests.append("\r\n");
        }

        String response = RawHttp.exchange(router.router().port(), requests.toString());

        String[] statuses = java.util.regex.Pattern.compile("HTTP/1\\.1 (\\d{3})")
                .matcher(response)
                .results()
                .map(match -> match.group(1))
                .toArray(String[]::new);
        assertThat(statuses).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(statuses[i]).as("response %d", i).isEqualTo(i % 2 == 0 ? "200" : "400");
        }
        router.assertServedBy(Transport.FAST, 100);
    }

    @Test
    void closesTheClientConnectionWhenABackendBreaksOffItsResponseSoTheCutBodyNeverLooksComplete() throws Exception {
        backends.of(Backend.LEGACY)
                .stubFor(any(urlEqualTo("/broken")).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

        String response = RawHttp.exchange(
                router.router().port(),
                """
                GET /broken HTTP/1.1\r
                Host: x\r
                X-Tenant-Id: acme\r
                \r
                """);

        // Status and some of the body went out; the connection closed with no final chunk.
        assertThat(response).startsWith("HTTP/1.1 200").doesNotEndWith("0\r\n\r\n");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(router.metrics()).contains("outcome=\"backend_closed\""));
        router.assertServedBy(Transport.FAST, 1);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "fast path {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void sendsRequestsUnderTheBackendUrlsPathBothWays(boolean fastPath) {
        Map<String, String> config = config(dir.resolve("base-" + fastPath));
        config.put("backends.legacy.url", backends.url(Backend.LEGACY) + "/base/");
        config.put("forwarding.fast-path", Boolean.toString(fastPath));
        try (RunningRouter based = RunningRouter.startReady(config)) {
            assertThat(based.get(ClientProtocol.HTTP_1_1, "acme", "/orders?id=7")
                            .statusCode())
                    .isEqualTo(200);
            based.assertServedBy(fastPath ? Transport.FAST : Transport.REACTOR, 1);
        }

        backends.of(Backend.LEGACY).verify(anyRequestedFor(urlEqualTo("/base/orders?id=7")));
    }

    @Test
    void turnedOffEveryRequestGoesThroughReactorNettyAlike() {
        Map<String, String> config = config(dir.resolve("off"));
        config.put("forwarding.fast-path", "false");
        try (RunningRouter plain = RunningRouter.startReady(config)) {
            HttpResponse<String> get = plain.get(ClientProtocol.HTTP_1_1, "acme", "/a");
            HttpResponse<String> post = plain.send(
                    ClientProtocol.HTTP_1_1,
                    HttpRequest.newBuilder(plain.uri("/b"))
                            .header("X-Tenant-Id", "globex")
                            .POST(HttpRequest.BodyPublishers.ofString("payload"))
                            .build());

            assertThat(get.body()).isEqualTo("served by legacy");
            assertThat(get.headers().firstValue("X-Served-By")).hasValue("legacy");
            assertThat(post.body()).isEqualTo("served by new");
            backends.of(Backend.NEW).verify(postRequestedFor(urlEqualTo("/b")).withRequestBody(equalTo("payload")));
            // HTTP/1.1 requests the fast path would serve: Reactor Netty's, every one.
            plain.assertServedBy(Transport.REACTOR, 2);
        }
    }
}
