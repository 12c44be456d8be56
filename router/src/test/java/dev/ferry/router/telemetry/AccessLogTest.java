package dev.ferry.router.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.config.AccessLogConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesOneJsonLinePerRecordWithOpenTelemetryFieldNames() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = AccessLog.writingTo(config(1, 100), out)) {
            log.offer(forwarded());
            log.offer(refused());
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).hasSize(2);
        JsonNode ok = JSON.readTree(lines.get(0));
        assertThat(ok.path("timestamp").asText()).isEqualTo("2026-12-06T08:36:40.123Z");
        assertThat(ok.path("http.request.method").asText()).isEqualTo("GET");
        assertThat(ok.path("url.path").asText()).isEqualTo("/orders");
        assertThat(ok.has("url.query")).as("the query may carry tokens").isFalse();
        assertThat(ok.path("network.protocol.version").asText()).isEqualTo("1.1");
        assertThat(ok.path("client.address").asText()).isEqualTo("10.0.0.9");
        assertThat(ok.path("user_agent.original").asText()).isEqualTo("curl/8.5");
        assertThat(ok.path("server.address").asText()).isEqualTo("shop.example");
        assertThat(ok.path("server.port").asInt()).isEqualTo(8080);
        assertThat(ok.path("http.response.status_code").asInt()).isEqualTo(200);
        assertThat(ok.path("http.request.body.size").asLong()).isEqualTo(12);
        assertThat(ok.path("http.response.body.size").asLong()).isEqualTo(345);
        assertThat(ok.has("error.type")).isFalse();
        assertThat(ok.path("ferry.transport").asText()).isEqualTo("fast");
        assertThat(ok.path("ferry.tenant").asText()).isEqualTo("acme");
        assertThat(ok.path("ferry.backend").asText()).isEqualTo("new");
        assertThat(ok.path("ferry.decision.reason").asText()).isEqualTo("wave");
        assertThat(ok.path("ferry.decision.rule").asText()).isEqualTo("pilot");
        assertThat(ok.path("ferry.flag.revision").asText()).isEqualTo("42");
        assertThat(ok.has("ferry.error")).isFalse();
        assertThat(ok.path("ferry.outcome").asText()).isEqualTo("forwarded");
        assertThat(ok.path("ferry.duration.first_byte_ms").asDouble()).isEqualTo(1.5);
        assertThat(ok.path("ferry.duration.total_ms").asDouble()).isEqualTo(2.25);
        assertThat(ok.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(ok.path("span_id").asText()).isEqualTo("00f067aa0ba902b7");

        JsonNode no = JSON.readTree(lines.get(1));
        assertThat(no.path("http.response.status_code").asInt()).isEqualTo(400);
        assertThat(no.path("error.type").asText()).isEqualTo("tenant_missing");
        assertThat(no.path("ferry.error").asText()).isEqualTo("tenant_missing");
        assertThat(no.path("ferry.outcome").asText()).isEqualTo("refused");
        assertThat(no.has("ferry.tenant")).isFalse();
        assertThat(no.has("ferry.backend")).isFalse();
        assertThat(no.has("trace_id"))
                .as("a malformed traceparent names no trace")
                .isFalse();
    }

    @Test
    void dropsAndCountsRecordsWhileTheWriterCannotKeepUpInsteadOfWaiting() {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {}

            @Override
            public void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (AccessLog log = AccessLog.writingTo(config(1, 1), stuck)) {
            log.offer(forwarded());
            await().atMost(Duration.ofSeconds(5)).until(() -> writing.getCount() == 0);

            log.offer(forwarded()); // waits in the queue (one place)
            log.offer(forwarded()); // no room: dropped, counted
            log.offer(forwarded());

            assertThat(log.dropped()).isEqualTo(2);
            release.countDown();
        }
    }

    @Test
    void logsNothingWhenOffOrSampledAtZero() {
        assertThat(AccessLog.off().sampled()).isFalse();
        assertThat(AccessLog.open(AccessLogConfig.off())).isSameAs(AccessLog.off());
        try (AccessLog log = AccessLog.writingTo(config(0, 10), new ByteArrayOutputStream())) {
            for (int i = 0; i < 1000; i++) {
                assertThat(log.sampled()).isFalse();
            }
        }
    }

    @Test
    void samplesAboutTheConfiguredShare() {
        try (AccessLog log = AccessLog.writingTo(config(0.25, 10), new ByteArrayOutputStream())) {
            int sampled = 0;
            for (int i = 0; i < 10_000; i++) {
                sampled += log.sampled() ? 1 : 0;
            }
            assertThat(sampled).isBetween(2_000, 3_000); // 2,500 expected; outside this about once in 10^12 runs
        }
    }

    private static AccessLogConfig config(double sample, int queueSize) {
        return new AccessLogConfig(true, sample, Optional.empty(), queueSize);
    }

    private static AccessRecord forwarded() {
        return new AccessRecord(
                1_796_546_200_123L,
                "GET",
                "/orders?id=7&token=secret",
                "1.1",
                new InetSocketAddress("10.0.0.9", 50123),
                "curl/8.5",
                "shop.example:8080",
                12,
                345,
                200,
                null,
                "forwarded",
                Transport.FAST,
                new TenantId("acme"),
                Backend.NEW,
                Reason.WAVE,
                "pilot",
                "42",
                1_500_000,
                2_250_000,
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                null,
                null,
                null);
    }

    private static AccessRecord refused() {
        return new AccessRecord(
                1_796_546_200_123L,
                "GET",
                "/",
                "2",
                null,
                null,
                null,
                0,
                0,
                400,
                ProxyFailure.TENANT_MISSING,
                "refused",
                Transport.REACTOR,
                null,
                null,
                null,
                null,
                "42",
                100_000,
                100_000,
                "00-not-a-trace",
                null,
                null,
                null);
    }
}
