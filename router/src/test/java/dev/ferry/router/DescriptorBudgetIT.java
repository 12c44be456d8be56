package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.FlagDocuments;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RouterProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router whose process may open only a few hundred files, flooded with more connections than that: it takes what its
 * descriptor budget allows, answers the rest 503 {@code connection_limit} at once, and still reads its flags file,
 * writes its held-tenants record, answers on its admin port and serves the connections it took.
 */
class DescriptorBudgetIT {
    private static final int OPEN_FILES_LIMIT = 600;
    private static final int REFUSED = 20;

    @TempDir
    Path dir;

    @Test
    void shedsConnectionsPastItsBudgetAndKeepsItsOwnFilesAndAdminPort() throws IOException {
        Path held = dir.resolve("held-tenants.json");
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("acme");
        List<Socket> sockets = new ArrayList<>();
        try (Backends backends = new Backends()) {
            Map<String, String> config = new HashMap<>(backends.config());
            config.putAll(flags.config());
            config.put("flags.held-file", held.toString());
            config.put("pool.max-connections", "16");
            try (RouterProcess router = RouterProcess.start(dir, "128m", config, OPEN_FILES_LIMIT)) {
                int max = (int) gauge(router, "ferry_client_connections_max");
                assertThat(max)
                        .as("derived from the limit; the log says: %s", router.log())
                        .isBetween(64, OPEN_FILES_LIMIT / 2);
                assertThat(router.log())
                        .contains(
                                "At most " + max + " client connections at once (open-files limit " + OPEN_FILES_LIMIT);

                for (int i = 0; i < max; i++) {
                    sockets.add(new Socket("127.0.0.1", router.port()));
                }
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(gauge(router, "ferry_client_connections"))
                                .isEqualTo(max));

                for (int i = 0; i < REFUSED; i++) {
                    try (Socket extra = new Socket("127.0.0.1", router.port())) {
                        extra.setSoTimeout(10_000);
                        String answer = readAll(extra.getInputStream());
                        assertThat(answer)
                                .startsWith("HTTP/1.1 503 Service Unavailable")
                                .containsIgnoringCase("x-ferry-error: connection_limit")
                                .containsIgnoringCase("retry-after: 1")
                                .contains("limits.max-client-connections");
                    }
                }
                assertThat(gauge(router, "ferry_client_connections_refused_total"))
                        .isEqualTo(REFUSED);

                // Its own files: the flags file is read, and a refused flip-back is recorded.
                flags.write(FlagDocuments.tenantsOnNew("globex"));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                                router.admin("/routing/tenants/acme").body())
                        .contains("\"reason\":\"flip_back_refused\""));
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(held).exists().content().contains("acme"));
                // The admin port, and a connection it took.
                assertThat(router.admin("/health/ready").statusCode()).isEqualTo(200);
                assertThat(exchange(sockets.get(0), "acme"))
                        .startsWith("HTTP/1.1 200")
                        .contains("\r\n\r\n", "served by new");
                assertThat(exchange(sockets.get(1), "globex"))
                        .startsWith("HTTP/1.1 200")
                        .contains("\r\n\r\n", "served by new");

                // Room again once clients leave: the two that asked to close, and ten more.
                for (int i = 0; i < 10; i++) {
                    sockets.remove(sockets.size() - 1).close();
                }
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(gauge(router, "ferry_client_connections"))
                                .isEqualTo(max - 12));
                try (Socket again = new Socket("127.0.0.1", router.port())) {
                    assertThat(exchange(again, "acme")).startsWith("HTTP/1.1 200");
                }
                assertThat(router.log()).doesNotContain("Too many open files");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String exchange(Socket socket, String tenant) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream()
                .write(("GET /orders HTTP/1.1\r\nHost: ferry\r\nX-Tenant-Id: " + tenant
                                + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        return readAll(socket.getInputStream());
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static double gauge(RouterProcess router, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(router.admin("/metrics").body());
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
