package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.OtlpReceiver;
import dev.ferry.router.testing.OtlpReceiver.Received;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Ferry's own spans on both transports, exported over OTLP/HTTP to a collector on loopback: a SERVER span under the
 * client's trace with the tenant and the decision, the backend's {@code traceparent} naming it, the access log
 * carrying its ids.
 */
class TracingIT {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

    static Backends backends;
    static UnleashStub unleash;
    static OtlpReceiver collector;
    static RunningRouter router;
    static Path accessLog;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        unleash = new UnleashStub().tenantsOnNew("globex");
        collector = new OtlpReceiver();
        accessLog = dir.resolve("access.log");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir));
        config.put("tracing.otlp-endpoint", collector.endpoint());
        config.put("tracing.service-name", "ferry-under-test");
        config.put("access-log.enabled", "true");
        config.put("access-log.file", accessLog.toString());
        router = RunningRouter.startReady(config);
    }

    @BeforeEach
    void resetBackends() {
        backends.reset();
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        collector.close();
        unleash.close();
        backends.close();
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void recordsAServerSpanUnderTheClientsTraceAndNamesItAsTheBackendsParent(ClientProtocol protocol) {
        String path = "/traced/" + protocol.name();
        router.send(
                protocol,
                HttpRequest.newBuilder(router.uri(path + "?id=7"))
                        .header("X-Tenant-Id", "globex")
                        .header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
                        .header("tracestate", TRACESTATE)
                        .build());
        router.assertServedBy(protocol);

        Received span = spanFor(path);
        assertThat(span.serviceName()).isEqualTo("ferry-under-test");
        assertThat(span.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
        assertThat(span.name()).isEqualTo("GET");
        assertThat(span.traceId()).isEqualTo(TRACE_ID);
        assertThat(span.parentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(span.spanId()).isNotEqualTo(CLIENT_SPAN);
        assertThat(span.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
        assertThat(span.attributes())
                .containsEntry("ferry.tenant", "globex")
                .containsEntry("ferry.backend", "new")
                .containsEntry("ferry.decision.reason", "flag_on")
                .containsEntry("ferry.transport", protocol.servedBy().tag())
                .containsEntry("http.request.method", "GET")
                .containsEntry("network.protocol.version", protocol.version())
                .containsEntry("http.response.status_code", "200")
                .doesNotContainKey("ferry.error");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlPathEqualTo(path))
                        .withHeader("traceparent", equalTo("00-" + TRACE_ID + "-" + span.spanId() + "-01"))
                        .withHeader("tracestate", equalTo(TRACESTATE)));
        JsonNode line = AccessLogIT.lineFor(accessLog, path);
        assertThat(line.path("trace_id").asText()).isEqualTo(TRACE_ID);
        assertThat(line.path("span_id").asText()).isEqualTo(span.spanId());
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void startsANewTraceForAMalformedTraceparentAndDropsItsTracestate(ClientProtocol protocol) {
        String path = "/traced/malformed/" + protocol.name();
        router.send(
                protocol,
                HttpRequest.newBuilder(router.uri(path))
                        .header("X-Tenant-Id", "acme")
                        .header("traceparent", "00-" + TRACE_ID + "-0000000000000000-01") // parent-id all zeros
                        .header("tracestate", TRACESTATE)
                        .build());
        router.assertServedBy(protocol);

        Received span = spanFor(path);
        assertThat(span.traceId()).isNotEqualTo(TRACE_ID);
        assertThat(span.parentSpanId()).isEmpty();
        List<LoggedRequest> sent = backends.of(Backend.LEGACY).findAll(anyRequestedFor(urlPathEqualTo(path)));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getHeader("traceparent"))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}") // sampled, and the random trace id flag
                .startsWith("00-" + span.traceId() + "-" + span.spanId() + "-");
        backends.of(Backend.LEGACY).verify(anyRequestedFor(urlPathEqualTo(path)).withHeader("tracestate", absent()));
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void recordsARefusedRequestWithFerrysErrorAndNoBackend(ClientProtocol protocol) {
        String path = "/traced/refused/" + protocol.name();
        assertThat(router.get(protocol, null, path).statusCode()).isEqualTo(400);
        router.assertServedBy(protocol);

        Received span = spanFor(path);
        assertThat(span.attributes())
                .containsEntry("ferry.error", "tenant_missing")
                .containsEntry("error.type", "tenant_missing")
                .containsEntry("http.response.status_code", "400")
                .doesNotContainKey("ferry.backend")
                .doesNotContainKey("ferry.tenant");
        assertThat(span.status()).as("a client's mistake").isEqualTo(StatusCode.STATUS_CODE_UNSET);
        assertThat(AccessLogIT.lineFor(accessLog, path).path("span_id").asText())
                .isEqualTo(span.spanId());
    }

    private static Received spanFor(String path) {
        Received[] found = {null};
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            found[0] = collector.spans().stream()
                    .filter(s -> path.equals(s.attributes().get("url.path")))
                    .findFirst()
                    .orElse(null);
            return found[0] != null;
        });
        return found[0];
    }
}
