package dev.ferry.router.transport;

import static dev.ferry.router.transport.FastPathFixture.TENANT_ON_LEGACY;
import static dev.ferry.router.transport.FastPathFixture.TENANT_ON_NEW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.RouterConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.transport.FastConnection.State;
import dev.ferry.router.transport.FastPathFixture.BackendSide;
import dev.ferry.router.transport.FastPathFixture.Message;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast path's state machine, message by message: one client connection ({@link FastConnection}) on an
 * {@code EmbeddedChannel}, backend connections handed out by a test connector, and the real pipeline, routing, pools
 * and meters in between (see {@link FastPathFixture}). Tenant {@code acme} lives on the new backend, {@code globex} on
 * legacy.
 */
class FastConnectionTest {
    @TempDir
    static Path dir;

    private static RouterConfig config;
    private static UnleashRoutingPolicy routing;

    private FastPathFixture ferry;

    @BeforeAll
    static void loadFlags() {
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew(TENANT_ON_NEW);
        config = FastPathFixture.config(flags.path(), dir);
        routing = new UnleashRoutingPolicy(
                config.flags(), new RouterMeters(new SimpleMeterRegistry()), Clock.systemUTC());
        await().atMost(Duration.ofSeconds(10)).until(routing::routable);
    }

    @AfterAll
    static void closeRouting() {
        routing.close();
    }

    @BeforeEach
    void openConnection() {
        ferry = new FastPathFixture(config, routing);
    }

    @AfterEach
    void closeConnection() {
        ferry.close();
        assertThat(FastPathFixture.leaks()).as("Netty buffers leaked").isEmpty();
    }

    // ---- order and the connection's end ----

    @Test
    void answersPipelinedRequestsInOrderWithOneBackendExchangeAtATime() {
        ferry.clientSends(get("/one", TENANT_ON_NEW) + get("/two", TENANT_ON_NEW) + get("/three", TENANT_ON_NEW));

        for (String name : List.of("one", "two", "three")) {
            BackendSide serving = onlyRequestSent(Backend.NEW, "GET /" + name + " HTTP/1.1");
            assertThat(ferry.clientReceived())
                    .as("sent before the response to /%s", name)
                    .isEmpty();

            serving.sends(ok(name));

            assertThat(ferry.clientReceived()).isEqualTo(okRelayed(name));
        }
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.clientReadPending()).as("ready for the next request").isTrue();
        assertThat(ferry.inFlight()).isZero();
        assertThat(ferry.pool(Backend.NEW).active()).isZero();
        assertThat(ferry.requests("new", "GET", "2xx", "forwarded")).isEqualTo(3);
    }

    @Test
    void closesTheClientConnectionAfterTheResponseAndServesNothingPipelinedWhenTheClientAsksToClose() {
        ferry.clientSends("GET /last HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\nConnection: close\r\n\r\n"
                + get("/after", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /last HTTP/1.1");

        backend.sends(ok("last"));

        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nvia: 1.1 ferry\r\nconnection: close\r\n\r\nlast");
        assertThat(ferry.clientOpen()).isFalse();
        assertThat(backend.received()).as("sent after the last request").isEmpty();
        assertThat(ferry.connections(Backend.NEW)).hasSize(1);
        assertThat(ferry.pool(Backend.NEW).idle())
                .as("the backend connection, kept")
                .isEqualTo(1);
        assertThat(ferry.requests()).isEqualTo(1);
    }

    @Test
    void closesTheConnectionAfterTheResponseInFlightOnceTheRouterIsShuttingDown() {
        ferry.clientSends(get("/last", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /last HTTP/1.1");
        assertThat(ferry.inFlight()).isEqualTo(1);

        ferry.shutdownBegins();
        backend.sends(ok("last"));

        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nvia: 1.1 ferry\r\nconnection: close\r\n\r\nlast");
        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void closesAConnectionThatPipelinesMoreThanItMayQueue() {
        // Netty's codec refuses more than 128 requests ahead of their responses; many body parts are queued as many.
        String flood =
                "POST /flood HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "1\r\na\r\n".repeat(FastConnection.MAX_QUEUED);

        ferry.clientSends(get("/first", TENANT_ON_NEW) + flood);

        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /first HTTP/1.1");
        assertThat(backend.open()).as("backend connection open").isFalse();
        assertThat(ferry.connections(Backend.NEW)).hasSize(1);
        assertThat(ferry.requests("new", "GET", "none", RouterMeters.OUTCOME_CLIENT_CLOSED))
                .isEqualTo(1);
        assertThat(ferry.requests()).isEqualTo(1);
    }

    // ---- the client goes away ----

    @Test
    void closesTheBackendConnectionAndCountsClientClosedWhenTheClientClosesMidBody() {
        ferry.clientSends(post("/upload", TENANT_ON_NEW, 10) + "hello");
        BackendSide backend = ferry.connection(Backend.NEW, 0);
        Message sent = Message.parse(backend.received());
        assertThat(sent.startLine()).isEqualTo("POST /upload HTTP/1.1");
        assertThat(sent.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("10");
        assertThat(sent.rest()).isEqualTo("hello");

        ferry.clientCloses();

        assertThat(backend.open()).as("backend connection open").isFalse();
        assertThat(ferry.pool(Backend.NEW).idle()).isZero();
        assertThat(ferry.pool(Backend.NEW).active()).isZero();
        assertThat(ferry.connections(Backend.NEW)).hasSize(1);
        assertThat(ferry.requests("new", "POST", "none", RouterMeters.OUTCOME_CLIENT_CLOSED))
                .isEqualTo(1);
        assertThat(ferry.requests()).isEqualTo(1);
        assertThat(ferry.exchanges("fast")).isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void closesTheBackendConnectionAndCountsClientClosedWhenTheClientClosesMidResponse() {
        ferry.clientSends(get("/stream", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /stream HTTP/1.1");
        backend.sends("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");

        ferry.clientCloses();

        assertThat(backend.open()).as("backend connection open").isFalse();
        assertThat(ferry.pool(Backend.NEW).idle()).isZero();
        assertThat(ferry.requests("new", "GET", "2xx", RouterMeters.OUTCOME_CLIENT_CLOSED))
                .isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void dropsTheWaitingBodyAndPoolsTheConnectionWhenTheClientClosesWhileFerryConnects() {
        ferry.holdConnects();
        ferry.clientSends(post("/upload", TENANT_ON_NEW, 5) + "hello");
        BackendSide backend = ferry.connection(Backend.NEW, 0);

        ferry.clientCloses();
        backend.connects();

        assertThat(backend.received()).as("sent to the backend").isEmpty();
        assertThat(backend.open()).isTrue();
        assertThat(ferry.pool(Backend.NEW).idle()).isEqualTo(1);
        assertThat(ferry.requests("new", "POST", "none", RouterMeters.OUTCOME_CLIENT_CLOSED))
                .isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    // ---- the backend goes away or breaks ----

    @Test
    void closesTheClientConnectionWithoutTheLastChunkWhenTheBackendClosesMidResponse() {
        ferry.clientSends(get("/stream", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /stream HTTP/1.1");
        backend.sends("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        Message head = Message.parse(ferry.clientReceived());
        assertThat(head.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(head.rest()).isEqualTo("5\r\nhello\r\n");

        backend.closes();

        assertThat(ferry.clientReceived()).as("after the cut").isEmpty();
        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        assertThat(ferry.requests("new", "GET", "2xx", "backend_closed")).isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void closesTheClientConnectionWithoutTheLastChunkWhenAResetCutsACloseDelimitedResponse() {
        ferry.clientSends(get("/export", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /export HTTP/1.1");
        backend.sends("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\nabc");
        assertThat(Message.parse(ferry.clientReceived()).rest()).isEqualTo("3\r\nabc\r\n");

        // The read that fails with ECONNRESET: Netty fires the error, then closes the channel, and the decoder ends
        // a close-delimited body as if complete.
        backend.channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        ferry.settle();

        assertThat(ferry.clientReceived()).as("after the cut").isEmpty();
        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        assertThat(ferry.requests("new", "GET", "2xx", "backend_closed")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} {1}, {2} connection")
    @CsvSource({"POST, with a body, reused", "POST, without a body, reused", "GET, without a body, fresh"})
    void answers502BackendClosedWithoutRetryWhenTheBackendClosesBeforeTheResponseHead(
            String method, String body, String connection) {
        if (connection.equals("reused")) {
            warmUp();
        }
        String content = body.equals("with a body") ? "data" : "";
        String length = method.equals("POST") ? "Content-Length: " + content.length() + "\r\n" : "";
        ferry.clientSends(method + " /orders HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n" + length + "\r\n"
                + content);
        BackendSide backend = onlyRequestSent(Backend.NEW, method + " /orders HTTP/1.1", content);

        backend.closes();

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("backend_closed");
        assertThat(answer.rest())
                .startsWith("{\"error\":\"backend_closed\",\"message\":")
                .contains("closed the connection before the response was complete")
                .hasSize(answer.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
        assertThat(ferry.connections(Backend.NEW))
                .as("connections, none for a retry")
                .hasSize(1);
        assertThat(ferry.clientOpen()).isTrue();
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.requests("new", method, "5xx", "backend_closed")).isEqualTo(1);
    }

    @Test
    void retriesAnIdempotentGetOnceOnAFreshConnectionWhenAReusedOneClosesBeforeTheResponseHead() {
        warmUp();
        ferry.clientSends(get("/again", TENANT_ON_NEW));
        BackendSide reused = onlyRequestSent(Backend.NEW, "GET /again HTTP/1.1");

        reused.closes();

        assertThat(ferry.clientReceived())
                .as("answered before the retry's response")
                .isEmpty();
        BackendSide fresh = ferry.connection(Backend.NEW, 1);
        Message retried = Message.parse(fresh.received());
        assertThat(retried.startLine()).isEqualTo("GET /again HTTP/1.1");
        assertThat(retried.rest()).isEmpty();
        fresh.sends(ok("again"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("again"));
        assertThat(ferry.connections(Backend.NEW)).hasSize(2);
        assertThat(ferry.requests("new", "GET", "2xx", "forwarded")).isEqualTo(2);
        assertThat(ferry.requests()).isEqualTo(2);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    @Test
    void answers502BackendConnectFailedAndDiscardsTheRestOfTheBodyWhenNoConnectionCanBeOpened() {
        ferry.holdConnects();
        ferry.clientSends(post("/orders", TENANT_ON_NEW, 10) + "hello");

        ferry.connection(Backend.NEW, 0).connectFails(new ConnectException("Connection refused"));

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("backend_connect_failed");
        assertThat(ferry.pool(Backend.NEW).active()).isZero();
        assertThat(ferry.clientReadPending()).as("reading the rest, to discard").isTrue();
        ferry.clientSends("world" + get("/next", TENANT_ON_NEW));
        assertThat(ferry.requests("new", "POST", "5xx", "backend_connect_failed"))
                .isEqualTo(1);
        BackendSide next = ferry.connection(Backend.NEW, 1);
        next.connects();
        assertThat(Message.parse(next.received()).startLine()).isEqualTo("GET /next HTTP/1.1");
        assertThat(ferry.connection(Backend.NEW, 0).received()).isEmpty();
    }

    @Test
    void answers502AndClosesTheBackendConnectionWhenTheBackendSendsAMalformedResponse() {
        warmUp();
        ferry.clientSends(get("/broken", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /broken HTTP/1.1");

        backend.sends("HTTP/1.1 OK\r\nnot a header line\r\n\r\n");

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("backend_closed");
        assertThat(answer.rest()).contains("sent a malformed response");
        assertThat(backend.open()).as("backend connection open").isFalse();
        assertThat(ferry.connections(Backend.NEW))
                .as("connections, none for a retry")
                .hasSize(1);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    // ---- what the fast path hands to Reactor Netty ----

    @Test
    void handsAnExpectContinueRequestToReactorNettyAndRelaysTheNextRequestItself() {
        ferry.clientSends("POST /upload HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n"
                + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");

        assertThat(ferry.reactorNetty().requests).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo(HttpMethod.POST);
            assertThat(request.uri()).isEqualTo("/upload");
            assertThat(request.headers().get(HttpHeaderNames.EXPECT)).isEqualTo("100-continue");
        });
        assertThat(ferry.state()).isEqualTo(State.HANDED_OFF);
        assertThat(ferry.connections(Backend.NEW)).isEmpty();
        assertThat(ferry.clientReceived()).isEmpty();

        // Reactor Netty's side of it: 100, the body, the response.
        ferry.reactorNettyWrites(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        ferry.clientSends("hello");
        assertThat(ferry.reactorNetty().body).hasToString("hello");
        assertThat(ferry.reactorNetty().requestEnded).isTrue();
        ferry.reactorNettyWrites(created());
        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n");
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.exchanges("fast")).isZero();

        ferry.clientSends(get("/next", TENANT_ON_NEW));

        onlyRequestSent(Backend.NEW, "GET /next HTTP/1.1").sends(ok("next"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("next"));
        assertThat(ferry.reactorNetty().requests).hasSize(1);
        assertThat(ferry.exchanges("fast")).isEqualTo(1);
    }

    @Test
    void answersARequestPipelinedBehindAHandedOffOneAfterReactorNettysResponse() {
        ferry.clientSends(
                "GET /old HTTP/1.0\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\nConnection: keep-alive\r\n\r\n"
                        + get("/new", TENANT_ON_NEW));

        assertThat(ferry.reactorNetty().requests).singleElement().satisfies(request -> assertThat(request.uri())
                .isEqualTo("/old"));
        assertThat(ferry.state()).isEqualTo(State.HANDED_OFF);
        assertThat(ferry.connections(Backend.NEW))
                .as("connections before the handed-off response")
                .isEmpty();

        FullHttpResponse old =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        old.headers().set(HttpHeaderNames.CONNECTION, "keep-alive").setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ferry.reactorNettyWrites(old);

        onlyRequestSent(Backend.NEW, "GET /new HTTP/1.1").sends(ok("new"));
        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n" + okRelayed("new"));
        assertThat(ferry.reactorNetty().requests).hasSize(1);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    @Test
    void servesNothingPipelinedBehindAHandedOffRequestWhoseResponseEndsTheConnection() {
        ferry.clientSends(
                "GET /old HTTP/1.0\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n\r\n" + get("/new", TENANT_ON_NEW));
        assertThat(ferry.state()).isEqualTo(State.HANDED_OFF_LAST);

        FullHttpResponse old =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        old.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ferry.reactorNettyWrites(old);

        assertThat(ferry.state()).isEqualTo(State.CLOSING);
        assertThat(ferry.clientReceived()).isEqualTo("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n");
        assertThat(ferry.connections(Backend.NEW)).isEmpty();
        assertThat(ferry.reactorNetty().requests).hasSize(1);
    }

    @Test
    void handsAnUpgradeAndEverythingPipelinedBehindItToReactorNetty() {
        ferry.clientSends("GET /socket HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\nConnection: upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                + get("/after", TENANT_ON_NEW));

        assertThat(ferry.reactorNetty().requests).extracting(HttpRequest::uri).containsExactly("/socket", "/after");
        assertThat(ferry.clientChannel().pipeline().get(FastConnection.class)).isNull();
        assertThat(ferry.connections(Backend.NEW)).isEmpty();
        assertThat(ferry.exchanges("fast")).isZero();
    }

    @Test
    void handsARequestFramedBothWaysToReactorNettyWithoutTouchingABackend() {
        // Content-Length and chunked at once: the request smuggling shape, which Netty's decoder refuses.
        ferry.clientSends("POST /orders HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        assertThat(ferry.reactorNetty().requests).singleElement().satisfies(request -> assertThat(
                        request.decoderResult().isFailure())
                .isTrue());
        assertThat(ferry.connections(Backend.NEW)).isEmpty();
        assertThat(ferry.exchanges("fast")).isZero();
    }

    // ---- framing ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            HEAD, with Content-Length | HEAD | HTTP/1.1 200 OK\\r\\nContent-Length: 1234\\r\\n\\r\\n
            HEAD, without             | HEAD | HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n
            204                       | GET  | HTTP/1.1 204 No Content\\r\\n\\r\\n
            304                       | GET  | HTTP/1.1 304 Not Modified\\r\\nETag: "v1"\\r\\nContent-Length: 1234\\r\\n\\r\\n
            """)
    void addsNoBodyFramingAndKeepsTheConnectionUsableForABodilessResponse(
            String name, String method, String backendHead) {
        String head = backendHead.replace("\\r\\n", "\r\n");
        ferry.clientSends(method + " /doc HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n\r\n");
        BackendSide backend = onlyRequestSent(Backend.NEW, method + " /doc HTTP/1.1");

        backend.sends(head);

        String relayedHead = head.substring(0, head.length() - 2) + "via: 1.1 ferry\r\n\r\n";
        assertThat(ferry.clientReceived()).isEqualTo(relayedHead);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        ferry.clientSends(get("/next", TENANT_ON_NEW));
        assertThat(onlyRequestSent(Backend.NEW, "GET /next HTTP/1.1")).isSameAs(backend);
        backend.sends(ok("next"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("next"));
        assertThat(ferry.clientOpen()).isTrue();
    }

    @Test
    void relaysAChunkedRequestBodyChunkedAndAChunkedResponseChunked() {
        ferry.clientSends("POST /stream HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        BackendSide backend = ferry.connection(Backend.NEW, 0);
        Message sent = Message.parse(backend.received());
        assertThat(sent.startLine()).isEqualTo("POST /stream HTTP/1.1");
        assertThat(sent.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)).containsExactly("chunked");
        assertThat(sent.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
        assertThat(sent.rest()).isEqualTo("5\r\nhello\r\n");

        ferry.clientSends("6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n");

        assertThat(backend.received()).as("the rest, trailers dropped").isEqualTo("6\r\n world\r\n0\r\n\r\n");

        backend.sends("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        Message relayed = Message.parse(ferry.clientReceived());
        assertThat(relayed.startLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(relayed.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)).containsExactly("chunked");
        assertThat(relayed.rest()).isEqualTo("3\r\nabc\r\n");
        backend.sends("0\r\n\r\n");
        assertThat(ferry.clientReceived()).isEqualTo("0\r\n\r\n");
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.pool(Backend.NEW).idle()).isEqualTo(1);
    }

    @Test
    void reframesACloseDelimitedResponseAsChunkedAndKeepsTheClientConnection() {
        ferry.clientSends(get("/export", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /export HTTP/1.1");

        backend.sends("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\nabc");
        backend.sends("defg");
        backend.closes();

        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nvia: 1.1 ferry\r\n"
                        + "transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
        assertThat(ferry.clientOpen()).isTrue();
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.pool(Backend.NEW).idle()).isZero();
        assertThat(ferry.requests("new", "GET", "2xx", "forwarded")).isEqualTo(1);
        ferry.clientSends(get("/next", TENANT_ON_NEW));
        assertThat(onlyRequestSent(Backend.NEW, "GET /next HTTP/1.1")).isSameAs(ferry.connection(Backend.NEW, 1));
    }

    @Test
    void skipsAnInterimResponseFromTheBackendAndRelaysTheFinalOne() {
        ferry.clientSends(get("/slow", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /slow HTTP/1.1");

        backend.sends("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
        assertThat(ferry.clientReceived()).isEmpty();
        backend.sends(ok("slow"));

        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("slow"));
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.pool(Backend.NEW).idle()).isEqualTo(1);
    }

    // ---- backpressure ----

    @Test
    void stopsReadingTheBackendWhileTheClientCannotTakeMoreAndResumesWhenItCan() {
        ferry.clientSends(get("/big", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /big HTTP/1.1");
        // A 64 KiB body toward a client whose socket takes nothing more: Ferry may hold 16 KiB for it.
        ferry.clientSocket().stopTaking(8 * 1024, 16 * 1024);
        String first = "a".repeat(32 * 1024);
        String second = "b".repeat(32 * 1024);

        backend.sends("HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n" + first);

        assertThat(ferry.clientChannel().isWritable()).isFalse();
        assertThat(backend.autoRead()).as("backend auto-read").isFalse();
        backend.sends(second);
        assertThat(backend.socket.unread()).as("backend writes not read").isEqualTo(1);

        ferry.clientSocket().takeAll();

        assertThat(backend.autoRead()).as("backend auto-read").isTrue();
        ferry.settle();
        assertThat(backend.socket.unread()).isZero();
        assertThat(ferry.clientReceived())
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 65536\r\nvia: 1.1 ferry\r\n\r\n" + first + second);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    @Test
    void stopsReadingTheClientWhileTheBackendCannotTakeMoreAndResumesWhenItCan() {
        ferry.clientSends(post("/upload", TENANT_ON_NEW, 64 * 1024));
        BackendSide backend = onlyRequestSent(Backend.NEW, "POST /upload HTTP/1.1");
        // A 64 KiB upload toward a backend whose socket takes nothing more: Ferry may hold 16 KiB for it.
        backend.socket.stopTaking(8 * 1024, 16 * 1024);
        String first = "a".repeat(32 * 1024);
        String second = "b".repeat(32 * 1024);

        ferry.clientSends(first);

        assertThat(backend.channel.isWritable()).isFalse();
        assertThat(ferry.clientReadPending()).as("a client read asked for").isFalse();
        ferry.clientSends(second);
        assertThat(ferry.clientUnread()).as("client writes not read").isEqualTo(1);

        backend.socket.takeAll();

        assertThat(ferry.clientReadPending()).as("a client read asked for").isTrue();
        ferry.settle();
        assertThat(ferry.clientUnread()).isZero();
        assertThat(backend.received()).isEqualTo(first + second);
        backend.sends("HTTP/1.1 204 No Content\r\n\r\n");
        assertThat(Message.parse(ferry.clientReceived()).startLine()).isEqualTo("HTTP/1.1 204 No Content");
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    // ---- Ferry's own answers ----

    @Test
    void answers400TenantMissingItselfWithoutTouchingABackendWhenNoTenantIsNamed() {
        ferry.clientSends("GET /orders HTTP/1.1\r\nHost: ferry.example\r\n\r\n");

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("tenant_missing");
        assertThat(answer.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(answer.rest())
                .startsWith("{\"error\":\"tenant_missing\",\"message\":\"the request names no tenant (expected: ")
                .hasSize(answer.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
        assertThat(ferry.connections(Backend.NEW)).isEmpty();
        assertThat(ferry.connections(Backend.LEGACY)).isEmpty();
        assertThat(ferry.state()).isEqualTo(State.IDLE);
        assertThat(ferry.clientReadPending()).as("ready for the next request").isTrue();
        assertThat(ferry.requests("none", "GET", "4xx", "tenant_missing")).isEqualTo(1);
    }

    @Test
    void discardsTheRestOfARefusedRequestsBodyAndServesTheNextRequest() {
        ferry.clientSends("POST /orders HTTP/1.1\r\nHost: ferry.example\r\nContent-Length: 10\r\n\r\nhello");
        assertThat(Message.parse(ferry.clientReceived()).startLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(ferry.clientReadPending()).as("reading the rest, to discard").isTrue();

        ferry.clientSends("world" + get("/next", TENANT_ON_NEW));

        onlyRequestSent(Backend.NEW, "GET /next HTTP/1.1").sends(ok("next"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("next"));
        assertThat(ferry.requests("none", "POST", "4xx", "tenant_missing")).isEqualTo(1);
        assertThat(ferry.state()).isEqualTo(State.IDLE);
    }

    @Test
    void answersAHeadRequestItRefusesWithoutABody() {
        ferry.clientSends("HEAD /orders HTTP/1.1\r\nHost: ferry.example\r\n\r\n" + get("/next", TENANT_ON_NEW));

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("tenant_missing");
        assertThat(answer.rest()).as("after the head").isEmpty();
        onlyRequestSent(Backend.NEW, "GET /next HTTP/1.1").sends(ok("next"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("next"));
    }

    @Test
    void answers400AndClosesBothConnectionsWithoutEndingTheBackendsBodyWhenAChunkIsMalformed() {
        ferry.clientSends("POST /stream HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        BackendSide backend = ferry.connection(Backend.NEW, 0);
        assertThat(Message.parse(backend.received()).rest()).isEqualTo("5\r\nhello\r\n");

        ferry.clientSends("zz\r\nnot a chunk\r\n");

        assertThat(backend.received()).as("sent after the bad chunk").isEmpty();
        assertThat(backend.open()).as("backend connection open").isFalse();
        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("request_invalid");
        assertThat(answer.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        assertThat(ferry.requests("new", "POST", "4xx", "request_invalid")).isEqualTo(1);
    }

    @Test
    void closesBothConnectionsWhenAChunkIsMalformedAfterTheResponseStarted() {
        ferry.clientSends("POST /stream HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: acme\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        BackendSide backend = ferry.connection(Backend.NEW, 0);
        assertThat(Message.parse(backend.received()).rest()).isEqualTo("5\r\nhello\r\n");
        backend.sends("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        assertThat(Message.parse(ferry.clientReceived()).rest()).isEqualTo("3\r\nabc\r\n");

        ferry.clientSends("zz\r\nnot a chunk\r\n");

        assertThat(ferry.clientReceived()).as("after the bad chunk").isEmpty();
        assertThat(ferry.clientOpen()).as("client connection open").isFalse();
        assertThat(backend.received()).as("sent after the bad chunk").isEmpty();
        assertThat(backend.open()).as("backend connection open").isFalse();
        assertThat(ferry.pool(Backend.NEW).active()).isZero();
        assertThat(ferry.requests("new", "POST", "2xx", "request_invalid")).isEqualTo(1);
    }

    // ---- meters ----

    @Test
    void countsEachFastExchangeOnceWithItsBackendStatusClassAndOutcome() {
        ferry.clientSends(get("/a", TENANT_ON_NEW));
        onlyRequestSent(Backend.NEW, "GET /a HTTP/1.1").sends(ok("a"));
        ferry.clientSends(get("/b", TENANT_ON_LEGACY));
        onlyRequestSent(Backend.LEGACY, "GET /b HTTP/1.1")
                .sends("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        ferry.clientSends(post("/c", TENANT_ON_NEW, 5) + "hello");
        onlyRequestSent(Backend.NEW, "POST /c HTTP/1.1", "hello")
                .sends("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        ferry.clientSends("GET /d HTTP/1.1\r\nHost: ferry.example\r\n\r\n");
        assertThat(ferry.clientReceived().split("HTTP/1.1 ", -1)).hasSize(5);

        assertThat(ferry.exchanges("fast")).isEqualTo(4);
        assertThat(ferry.exchanges("reactor")).isZero();
        assertThat(ferry.requests("new", "GET", "2xx", "forwarded")).isEqualTo(1);
        assertThat(ferry.requests("legacy", "GET", "5xx", "forwarded")).isEqualTo(1);
        assertThat(ferry.requests("new", "POST", "2xx", "forwarded")).isEqualTo(1);
        assertThat(ferry.requests("none", "GET", "4xx", "tenant_missing")).isEqualTo(1);
        assertThat(ferry.requests()).isEqualTo(4);
    }

    // ---- timeouts (on the event loops' clocks, moved by the test) ----

    @Test
    void answers504BackendTimeoutAndClosesTheBackendConnectionWhenTheBackendStaysSilentPastTheResponseTimeout() {
        ferry.clientSends(get("/slow", TENANT_ON_NEW));
        BackendSide backend = onlyRequestSent(Backend.NEW, "GET /slow HTTP/1.1");
        long timeout = config.timeouts().response().toMillis();

        advance(backend, timeout - 1);
        assertThat(ferry.clientReceived()).as("before the response timeout").isEmpty();
        advance(backend, 2);

        Message answer = Message.parse(ferry.clientReceived());
        assertThat(answer.startLine()).isEqualTo("HTTP/1.1 504 Gateway Timeout");
        assertThat(answer.headers().get("X-Ferry-Error")).isEqualTo("backend_timeout");
        assertThat(answer.rest()).contains("backend 'new': sent nothing for " + timeout + " ms (timeouts.response)");
        assertThat(backend.open()).isFalse();
        assertThat(ferry.clientOpen()).as("the client's connection serves on").isTrue();
        assertThat(ferry.requests("new", "GET", "5xx", "backend_timeout")).isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void closesBothConnectionsWhenTheClientStaysSilentMidBodyPastTheReadTimeout() {
        ferry.clientSends(post("/upload", TENANT_ON_NEW, 10) + "abc");
        BackendSide backend = onlyRequestSent(Backend.NEW, "POST /upload HTTP/1.1", "abc");
        long timeout = config.timeouts().clientRead().toMillis();

        advanceClient(timeout - 1);
        assertThat(ferry.clientOpen()).as("before the client read timeout").isTrue();
        advanceClient(2);

        assertThat(ferry.clientOpen()).isFalse();
        assertThat(backend.open()).as("a half-sent request never reused").isFalse();
        assertThat(ferry.requests("new", "POST", "none", "client_closed")).isEqualTo(1);
        assertThat(ferry.inFlight()).isZero();
    }

    @Test
    void closesAConnectionIdleForTheIdleTimeoutAndNotBefore() {
        warmUp();

        advanceClient(Duration.ofSeconds(60).toMillis() - 1);
        assertThat(ferry.clientOpen()).as("idle for just under the timeout").isTrue();
        advanceClient(2);

        assertThat(ferry.clientOpen()).isFalse();
    }

    /** Moves a backend connection's event loop clock and runs what came due. */
    private void advance(BackendSide backend, long millis) {
        backend.channel.advanceTimeBy(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        backend.channel.runScheduledPendingTasks();
        ferry.settle();
    }

    /** Moves the client connection's event loop clock and runs what came due. */
    private void advanceClient(long millis) {
        ferry.clientChannel().advanceTimeBy(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        ferry.clientChannel().runScheduledPendingTasks();
        ferry.settle();
    }

    // ---- helpers ----

    /** One GET /warm-up over a new connection, which is then idle in the pool (reused by the next request). */
    private void warmUp() {
        ferry.clientSends(get("/warm-up", TENANT_ON_NEW));
        onlyRequestSent(Backend.NEW, "GET /warm-up HTTP/1.1").sends(ok("warm"));
        assertThat(ferry.clientReceived()).isEqualTo(okRelayed("warm"));
        assertThat(ferry.pool(Backend.NEW).idle()).isEqualTo(1);
    }

    /** The one connection, of any backend, Ferry sent something since the last look: a body-less request. */
    private BackendSide onlyRequestSent(Backend backend, String requestLine) {
        return onlyRequestSent(backend, requestLine, "");
    }

    /** The one connection, of any backend, Ferry sent something since the last look: this request and no other. */
    private BackendSide onlyRequestSent(Backend backend, String requestLine, String body) {
        List<BackendSide> sending = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (Backend b : Backend.values()) {
            for (BackendSide side : ferry.connections(b)) {
                String text = side.received();
                if (!text.isEmpty()) {
                    sending.add(side);
                    sent.add(text);
                }
            }
        }
        assertThat(sent).as("requests sent to backends").hasSize(1);
        assertThat(ferry.connections(backend)).as("connections to %s", backend).contains(sending.get(0));
        Message request = Message.parse(sent.get(0));
        assertThat(request.startLine()).isEqualTo(requestLine);
        assertThat(request.rest()).as("after the request head").isEqualTo(body);
        return sending.get(0);
    }

    private static String get(String path, String tenant) {
        return "GET " + path + " HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: " + tenant + "\r\n\r\n";
    }

    /** A POST head announcing {@code length} body bytes, which the caller appends. */
    private static String post(String path, String tenant, int length) {
        return "POST " + path + " HTTP/1.1\r\nHost: ferry.example\r\nX-Tenant-Id: " + tenant + "\r\nContent-Length: "
                + length + "\r\n\r\n";
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String okRelayed(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nvia: 1.1 ferry\r\n\r\n" + body;
    }

    private static FullHttpResponse created() {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED, Unpooled.EMPTY_BUFFER);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }
}
