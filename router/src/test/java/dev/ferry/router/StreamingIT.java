package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RouterProcess;
import dev.ferry.router.testing.StreamingBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;

/**
 * The packaged router in its own JVM with a 128 MiB heap (and 128 MiB of direct memory): 1 GiB passes through in each
 * direction, on each transport, which only works if no body is ever held whole.
 */
class StreamingIT {
    private static final long GIB = 1L << 30;
    private static final byte[] CHUNK = new byte[64 * 1024];

    static StreamingBackend legacy;
    static StreamingBackend newBackend;
    static RouterProcess router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        legacy = new StreamingBackend("legacy");
        newBackend = new StreamingBackend("new");
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("globex");
        router = RouterProcess.start(
                dir,
                "128m",
                Map.of(
                        "backends.legacy.url",
                        legacy.url(),
                        "backends.new.url",
                        newBackend.url(),
                        "flags.source",
                        "file",
                        "flags.file",
                        flags.path().toString(),
                        "shutdown.drain-delay",
                        "1s",
                        "shutdown.timeout",
                        "10s",
                        "limits.max-request-body",
                        "2g"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> router.admin("/health/ready").statusCode() == 200);
    }

    @BeforeEach
    void countExchanges() {
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        legacy.close();
        newBackend.close();
    }

    @Test
    void relaysABackendsEarlyAnswerToAnUploadAndKeepsTheClientConnectionUsable() throws Exception {
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), router.port())) {
            socket.setSoTimeout(10_000);
            java.io.OutputStream out = socket.getOutputStream();
            byte[] upload = new byte[300_000];
            out.write(("POST /refuse HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: acme\r\nContent-Length: " + upload.length
                            + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(upload);
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: acme\r\nContent-Length: 5\r\n"
                            + "Connection: close\r\n\r\nhello")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();

            String answers =
                    new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);

            assertThat(answers)
                    .as("router log:\n%s", router.log())
                    .startsWith("HTTP/1.1 413")
                    .contains("too large");
            assertThat(answers.indexOf("HTTP/1.1 200")).isGreaterThan(answers.indexOf("too large"));
            assertThat(answers).endsWith("\r\n\r\n5").doesNotContain("X-Ferry-Error");
        }
        router.assertServedBy(Transport.FAST, 2);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void streamsAOneGibibyteUploadWithoutHoldingIt(ClientProtocol protocol) {
        Flux<ByteBuf> body = Flux.range(0, (int) (GIB / CHUNK.length)).map(i -> Unpooled.wrappedBuffer(CHUNK));

        String counted = router.client(protocol, "acme")
                .post()
                .uri("/upload")
                .send(body)
                .responseSingle((response, content) -> content.asString())
                .block(Duration.ofMinutes(3));

        assertThat(counted).as("router log:\n%s", router.log()).isEqualTo(Long.toString(GIB));
        assertThat(router.process().isAlive())
                .as("router log:\n%s", router.log())
                .isTrue();
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void streamsAOneGibibyteDownloadWithoutHoldingIt(ClientProtocol protocol) {
        Long received = router.client(protocol, "globex")
                .get()
                .uri("/download?bytes=" + GIB)
                .responseContent()
                .map(ByteBuf::readableBytes)
                .reduce(0L, (sum, n) -> sum + n)
                .block(Duration.ofMinutes(3));

        assertThat(received).isEqualTo(GIB);
        assertThat(router.process().isAlive())
                .as("router log:\n%s", router.log())
                .isTrue();
        router.assertServedBy(protocol);
    }
}
