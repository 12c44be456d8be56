package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RawH2;
import dev.ferry.router.testing.RawH2.Frame;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.StreamingBackend;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A client cannot hold a connection by being slow: a head that trickles in is cut at {@code
 * limits.request-head-timeout}, a connection that never sends at the same deadline, an idle keep-alive connection at
 * {@code limits.keep-alive-timeout}, a stalled body at {@code timeouts.client-read} (the backend never sees it
 * complete); over HTTP/2, floods of SETTINGS, PING, RST_STREAM and CONTINUATION frames close the flooding connection
 * while others are still served. HTTP/1.1 runs on the fast path and on Reactor Netty's (the fast path off).
 */
class ClientTimeLimitsIT {
    private static final Duration HEAD = Duration.ofMillis(400);
    private static final Duration KEEP_ALIVE = Duration.ofMillis(1500);
    private static final int MAX_STREAMS = 5;
    private static final int MAX_RESETS = 20;

    @TempDir
    static Path dir;

    private static StreamingBackend legacy;
    private static StreamingBackend backend;
    private static RunningRouter fast;
    private static RunningRouter reactor;

    @BeforeAll
    static void start() throws IOException {
        legacy = new StreamingBackend("legacy");
        backend = new StreamingBackend("new");
        fast = RunningRouter.startReady(config("fast", true));
        reactor = RunningRouter.startReady(config("reactor", false));
    }

    private static Map<String, String> config(String name, boolean fastPath) throws IOException {
        Map<String, String> config = new HashMap<>();
        config.put("backends.legacy.url", legacy.url());
        config.put("backends.new.url", backend.url());
        config.putAll(new FlagsFile(Files.createDirectories(dir.resolve(name)))
                .tenantsOnNew("acme")
                .config());
        config.put("forwarding.fast-path", Boolean.toString(fastPath));
        config.put("limits.request-head-timeout", HEAD.toMillis() + "ms");
        config.put("limits.keep-alive-timeout", KEEP_ALIVE.toMillis() + "ms");
        config.put("limits.h2-max-concurrent-streams", Integer.toString(MAX_STREAMS));
        config.put("limits.h2-max-resets", Integer.toString(MAX_RESETS));
        // Short, so that Reactor Netty's idle timer (at least just over these) is the keep-alive timeout above.
        config.put("timeouts.client-read", "300ms");
        config.put("timeouts.response", "300ms");
        return config;
    }

    @AfterAll
    static void stop() {
        fast.close();
        reactor.close();
        legacy.close();
        backend.close();
    }

    /** The HTTP/1.1 transports: the fast path, and Reactor Netty's with the fast path off. */
    enum Path1 {
        FAST,
        REACTOR;

        RunningRouter router() {
            return this == FAST ? fast : reactor;
        }
    }

    @ParameterizedTest
    @EnumSource(Path1.class)
    void cutsAHeadThatTricklesInAtTheHeadDeadlineWith408(Path1 path) throws Exception {
        double before = timeouts(path.router(), "request_head");
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (Socket socket = connect(path.router())) {
            OutputStream out = socket.getOutputStream();
            out.write(ascii("GET /slow?ms=0 HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\n"));
            out.flush();
            AtomicInteger lines = new AtomicInteger();
            // One header line every 100 ms, for up to 10 s: never silent for long, never done.
            trickler.scheduleAtFixedRate(
                    () -> {
                        try {
                            if (lines.incrementAndGet() <= 100) {
                                out.write(ascii("X-Line-" + lines.get() + ": still coming\r\n"));
                                out.flush();
                            }
                        } catch (IOException closed) {
                            trickler.shutdown();
                        }
                    },
                    100,
                    100,
                    TimeUnit.MILLISECONDS);
            long started = System.nanoTime();

            String answer = readAll(socket);

            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(answer)
                    .startsWith("HTTP/1.1 408")
                    .contains("X-Ferry-Error: request_head_timeout")
                    .contains("within limits.request-head-timeout, 400ms");
            assertThat(took).isGreaterThanOrEqualTo(HEAD.minusMillis(50)).isLessThan(Duration.ofSeconds(5));
            assertThat(lines.get()).as("header lines sent before the cut").isBetween(2, 99);
        } finally {
            trickler.shutdownNow();
        }
        assertThat(timeouts(path.router(), "request_head")).isEqualTo(before + 1);
    }

    @ParameterizedTest
    @EnumSource(Path1.class)
    void closesAConnectionThatNeverSendsARequestAtTheHeadDeadline(Path1 path) throws Exception {
        double before = timeouts(path.router(), "no_request");
        try (Socket socket = connect(path.router())) {
            long started = System.nanoTime();

            String answer = readAll(socket);

            assertThat(answer).as("nothing was asked: nothing is answered").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isGreaterThanOrEqualTo(HEAD.minusMillis(50))
                    .isLessThan(Duration.ofSeconds(5));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(timeouts(path.router(), "no_request"))
                .isEqualTo(before + 1));
    }

    @ParameterizedTest
    @EnumSource(Path1.class)
    void closesAKeepAliveConnectionIdleBetweenRequestsSilentlyAtTheKeepAliveTimeout(Path1 path) throws Exception {
        try (Socket socket = connect(path.router())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write(ascii("GET /slow?ms=0 HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\n\r\n"));
                out.flush();
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("done");
            }
            long idleFrom = System.nanoTime();

            int next = in.read();

            Duration idle = Duration.ofNanos(System.nanoTime() - idleFrom);
            assertThat(next).as("closed without a word").isEqualTo(-1);
            assertThat(idle)
                    .as("idle between requests is the keep-alive timeout's, not the head deadline's")
                    .isGreaterThanOrEqualTo(KEEP_ALIVE.minusMillis(100))
                    .isLessThan(KEEP_ALIVE.plusSeconds(4));
        }
    }

    @Test
    void cutsAStalledHttp11BodySoTheBackendNeverSeesItComplete() throws Exception {
        int started = backend.requestsStarted();
        int completed = backend.uploadsCompleted();
        try (Socket socket = connect(fast)) {
            OutputStream out = socket.getOutputStream();
            out.write(ascii("POST /upload HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\n"
                    + "Content-Length: 100000\r\n\r\n"));
            out.write(new byte[1000]);
            out.flush();
            long stalledFrom = System.nanoTime();

            String answer = readAll(socket);

            assertThat(Duration.ofNanos(System.nanoTime() - stalledFrom)).isLessThan(Duration.ofSeconds(5));
            assertThat(answer).as("closed, no response").doesNotContain("HTTP/1.1 200");
        }
        assertThat(backend.requestsStarted()).as("the upload had begun").isEqualTo(started + 1);
        assertThat(backend.uploadsCompleted()).as("and never completed").isEqualTo(completed);
        fast.countExchangesFromHere();
    }

    @Test
    void cutsAStalledHttp2BodySoTheBackendNeverSeesItComplete() {
        int started = backend.requestsStarted();
        int completed = backend.uploadsCompleted();

        Mono<Integer> upload = fast.client(ClientProtocol.H2C)
                .headers(h -> h.set("X-Tenant-Id", "acme"))
                .post()
                .uri("/upload")
                .send(Flux.concat(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(new byte[1000])), Flux.never()))
                .response()
                .map(response -> response.status().code())
                .onErrorReturn(-1);

        Integer status = upload.block(Duration.ofSeconds(5));
        assertThat(status).as("reset or refused, never served").isNotEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.requestsStarted() == started + 1);
        assertThat(backend.uploadsCompleted()).isEqualTo(completed);
    }

    @Test
    void advertisesTheStreamLimitAndRefusesAStreamOverIt() throws Exception {
        try (RawH2 h2 = RawH2.connect(fast.router().port(), 0)) {
            Frame settings = h2.readUntil(RawH2.SETTINGS, 10);
            assertThat(settings.setting(RawH2.MAX_CONCURRENT_STREAMS)).isEqualTo(MAX_STREAMS);
            h2.write(RawH2.frame(RawH2.SETTINGS, RawH2.ACK, 0, new byte[0]));
            // Uploads whose bodies never come: each stream stays open.
            byte[] upload = RawH2.requestHeaders(true, "/upload", "x-tenant-id", "acme", "content-length", "10");
            for (int i = 0; i <= MAX_STREAMS; i++) {
                h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1 + 2 * i, upload));
            }

            Frame refused = h2.readUntil(RawH2.RST_STREAM, 1000);

            assertThat(refused).isNotNull();
            assertThat(refused.stream()).isEqualTo(1 + 2 * MAX_STREAMS);
            assertThat(refused.errorCode()).isIn(RawH2.REFUSED_STREAM, RawH2.PROTOCOL_ERROR);
        }
        assertAnotherClientIsServed();
    }

    @Test
    void closesAConnectionThatResetsStreamsRapidlyWithGoaway() throws Exception {
        try (RawH2 h2 = RawH2.connect(fast.router().port(), 0)) {
            // No tenant: Ferry answers them itself, no backend exchange is cut short.
            byte[] get = RawH2.requestHeaders(false, "/slow?ms=0");
            for (int i = 0; i < MAX_RESETS * 3; i++) {
                int stream = 1 + 2 * i;
                h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, stream, get));
                h2.write(RawH2.frame(RawH2.RST_STREAM, 0, stream, RawH2.errorCode(RawH2.CANCEL)));
            }

            Frame goaway = h2.readUntil(RawH2.GOAWAY, 10_000);

            assertThat(goaway).as("GOAWAY before the close").isNotNull();
            assertThat(goaway.errorCode()).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
            assertThat(h2.readUntil(RawH2.GOAWAY, 10_000)).as("then closed").isNull();
        }
        assertAnotherClientIsServed();
    }

    /** Many small CONTINUATION frames, or a header block that grows without end: both end the connection. */
    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void closesAConnectionFloodingContinuationFramesWithGoaway(int bytesPerFrame) throws Exception {
        try (RawH2 h2 = RawH2.connect(fast.router().port(), 0)) {
            h2.write(RawH2.frame(RawH2.HEADERS, 0, 1, RawH2.requestHeaders(false, "/slow", "x-tenant-id", "acme")));
            ByteArrayOutputStream fragment = new ByteArrayOutputStream();
            while (fragment.size() < bytesPerFrame) {
                RawH2.literal(fragment, 0, "x-flood", "0123456789");
            }
            byte[] continuation = RawH2.frame(RawH2.CONTINUATION, 0, 1, fragment.toByteArray());
            try {
                for (int i = 0; i < 2000; i++) {
                    h2.write(continuation);
                }
            } catch (SocketException closedMeanwhile) {
                // the router may close before the flood ends; what it said is read below
            }

            Frame goaway = h2.readUntil(RawH2.GOAWAY, 1000);

            assertThat(goaway).as("GOAWAY before the close").isNotNull();
            assertThat(goaway.errorCode()).isIn(RawH2.ENHANCE_YOUR_CALM, RawH2.PROTOCOL_ERROR);
        }
        assertAnotherClientIsServed();
    }

    /**
     * A client that floods PING or SETTINGS and never reads the acknowledgements: they queue in the router until its
     * bound on queued control frames, and the connection is closed (its GOAWAY is queued behind the unread frames).
     */
    @ParameterizedTest
    @ValueSource(ints = {RawH2.PING, RawH2.SETTINGS})
    void closesAConnectionFloodingControlFramesItNeverReadsTheAnswersTo(int type) throws Exception {
        byte[] one = RawH2.frame(type, 0, 0, type == RawH2.PING ? new byte[8] : new byte[0]);
        byte[] batch = new byte[one.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        try (RawH2 h2 = RawH2.connect(fast.router().port(), 4096)) {
            CompletableFuture<Integer> flood = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                try {
                    // at most twenty million frames: more than a closing connection reads in its 2 s of lingering
                    for (; sent < 20_000; sent++) {
                        h2.write(batch);
                    }
                } catch (IOException closed) {
                    return sent;
                }
                return -1;
            });

            await().atMost(Duration.ofSeconds(30)).until(flood::isDone);

            assertThat(flood.join())
                    .as("the router closed the connection mid-flood")
                    .isPositive();
        }
        assertAnotherClientIsServed();
    }

    private static void assertAnotherClientIsServed() {
        assertThat(fast.get(ClientProtocol.H2C, "acme", "/slow?ms=0").body()).isEqualTo("done");
    }

    private static double timeouts(RunningRouter router, String limit) {
        var counter = router.router()
                .registry()
                .find("ferry.client.timeouts")
                .tag("limit", limit)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static Socket connect(RunningRouter router) throws IOException {
        Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), router.router().port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Everything until the router closes the connection. */
    private static String readAll(Socket socket) throws IOException {
        try {
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException reset) {
            return "";
        }
    }

    /** One response with a short body: its head, then as many body bytes as Content-Length or one chunk says. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-response: " + head);
            }
            head.append((char) b);
        }
        String h = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = h.indexOf("content-length:");
        if (at >= 0) {
            int length =
                    Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).trim());
            return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }
        StringBuilder body = new StringBuilder();
        while (!body.toString().endsWith("0\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-body: " + head + body);
            }
            body.append((char) b);
        }
        String chunked = body.toString();
        return head + chunked.substring(chunked.indexOf("\r\n") + 2, chunked.indexOf("\r\n0\r\n"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
