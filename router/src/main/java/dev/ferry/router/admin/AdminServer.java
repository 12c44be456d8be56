package dev.ferry.router.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.router.config.AdminConfig;
import dev.ferry.router.config.CutoverConfig;
import dev.ferry.router.cutover.Cutover;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.shadow.ShadowJson;
import dev.ferry.router.shadowing.ShadowReads;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.tenant.TenantIdRules;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The admin port: {@code /health/live}, {@code /health/ready}, {@code /metrics} (Prometheus text) and {@code GET
 * /routing/tenants/{id}}, which answers the question the proxy asks, so that scheduled jobs stay out of the account
 * that does not own a tenant.
 */
public final class AdminServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final AdminConfig config;
    private final Readiness readiness;
    private final PrometheusMeterRegistry registry;
    private final UnleashRoutingPolicy routing;
    private final TenantIdRules rules;
    private final Cutover cutover;
    private final ShadowReads shadow;
    /** This process's own id, so that a replica asked twice (two URLs, one replica) is told apart. */
    private final String instance = java.util.UUID.randomUUID().toString();

    public AdminServer(
            AdminConfig config,
            Readiness readiness,
            PrometheusMeterRegistry registry,
            UnleashRoutingPolicy routing,
            TenantIdRules rules,
            Cutover cutover,
            ShadowReads shadow) {
        this.config = config;
        this.readiness = readiness;
        this.registry = registry;
        this.routing = routing;
        this.rules = rules;
        this.cutover = cutover;
        this.shadow = shadow;
    }

    public DisposableServer start() {
        return HttpServer.create()
                .host(config.host())
                .port(config.port())
                .route(routes -> routes.get(
                                "/health/live",
                                (req, res) -> json(res, HttpResponseStatus.OK, Map.of("status", "live")))
                        .get("/health/ready", (req, res) -> ready(res))
                        .get("/metrics", (req, res) -> res.header(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT)
                                .sendString(Mono.fromCallable(registry::scrape), StandardCharsets.UTF_8))
                        .get("/routing/tenants/{id}", this::tenant)
                        .get("/routing/state", (req, res) -> state(res))
                        .get("/shadow/tenants", (req, res) -> shadowTenants(res))
                        .get("/shadow/tenants/{id}", (req, res) -> shadowTenant(req, res, false))
                        .delete("/shadow/tenants/{id}", (req, res) -> shadowTenant(req, res, true)))
                .bindNow();
    }

    private Publisher<Void> ready(HttpServerResponse res) {
        String notReady = readiness.whyNotReady();
        if (notReady == null) {
            return json(res, HttpResponseStatus.OK, Map.of("status", "ready"));
        }
        return json(res, HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "not_ready", "reason", notReady));
    }

    /** The flag state this replica routes by, for comparing replicas ({@code flags-admin fleet}). Always 200. */
    private Publisher<Void> state(HttpServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        String notReady = readiness.whyNotReady();
        body.put("ready", notReady == null);
        body.put("notReadyBecause", notReady);
        body.put("flagState", flagState(routing.status()));
        body.put("cutover", cutoverState());
        return json(res, HttpResponseStatus.OK, body);
    }

    /** Every tenant this replica tallies: its window (to add up across replicas), its report, and the bar. */
    private Publisher<Void> shadowTenants(HttpServerResponse res) {
        ObjectNode body = JSON.createObjectNode()
                .put("instance", instance)
                .put("flag", shadow.config().flag())
                .put("enabled", shadow.config().enabled());
        body.set("bar", ShadowJson.bar(shadow.config().bar()));
        ArrayNode tenants = body.putArray("tenants");
        java.util.Set<String> all = new java.util.TreeSet<>(shadow.shadowed());
        all.addAll(shadow.tallied());
        all.forEach(t -> tenants.add(shadowOf(t)));
        return json(res, HttpResponseStatus.OK, body);
    }

    /** One tenant's shadow reads on this replica; with {@code reset}, started afresh first (DELETE). */
    private Publisher<Void> shadowTenant(HttpServerRequest req, HttpServerResponse res, boolean reset) {
        TenantId tenant;
        try {
            tenant = tenantOf(req, "/shadow/tenants/{id}");
        } catch (ProxyException e) {
            return json(
                    res,
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", e.failure().kind(), "message", e.getMessage()));
        }
        if (reset) {
            shadow.reset(tenant.value());
        }
        return json(res, HttpResponseStatus.OK, shadowOf(tenant.value()));
    }

    private ObjectNode shadowOf(String tenant) {
        ObjectNode node = JSON.createObjectNode()
                .put("tenant", tenant)
                .put("shadowed", shadow.config().enabled() && shadow.shadowed().contains(tenant))
                .put("instance", instance)
                .put("flag", shadow.config().flag())
                .put("enabled", shadow.config().enabled());
        node.set("bar", ShadowJson.bar(shadow.config().bar()));
        dev.ferry.router.shadow.TenantWindow window = shadow.window(tenant);
        node.set(
                "report",
                ShadowJson.report(dev.ferry.router.shadow.Readiness.evaluate(
                        window, shadow.config().bar())));
        node.set("window", ShadowJson.window(window));
        return node;
    }

    /** The tenant named by the path's {id}, checked as a request's would be. */
    private TenantId tenantOf(HttpServerRequest req, String template) {
        String raw;
        try {
            raw = java.net.URLDecoder.decode(req.param("id"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ProxyException(
                    ProxyFailure.TENANT_INVALID,
                    "the tenant in the path is not valid percent-encoding (expected: "
                            + template.replace("{id}", "acme") + ")");
        }
        return rules.parse(raw, "the path of " + template);
    }

    private Publisher<Void> tenant(HttpServerRequest req, HttpServerResponse res) {
        TenantId tenant;
        try {
            tenant = tenantOf(req, "/routing/tenants/{id}");
        } catch (ProxyException e) {
            return json(
                    res,
                    HttpResponseStatus.BAD_REQUEST,
                    Map.of("error", e.failure().kind(), "message", e.getMessage()));
        }
        UnleashRoutingPolicy.Explanation explanation = routing.explain(tenant);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenant", tenant.value());
        RoutingDecision decision = explanation.decision();
        body.put("backend", decision == null ? null : decision.backend().tag());
        body.put(
                "reason",
                decision == null
                        ? ProxyFailure.ROUTING_UNKNOWN.kind()
                        : decision.reason().tag());
        body.put("rule", decision == null ? null : decision.rule());
        if (decision == null) {
            body.put("message", explanation.unknownBecause());
        }
        UnleashRoutingPolicy.Pending pending = explanation.pending();
        if (pending != null) {
            Map<String, Object> next = new LinkedHashMap<>();
            next.put("backend", pending.backend().tag());
            next.put("at", pending.at().toString());
            next.put("rule", pending.rule());
            CutoverConfig c = cutover.config();
            next.put("heldFrom", pending.at().minus(c.clockSkew()).toString());
            next.put(
                    "opensAt",
                    pending.at().plus(c.clockSkew()).plus(c.legacyDeadline()).toString());
            next.put("check", c.checkUrl().isPresent());
            body.put("pending", next);
        } else {
            body.put("pending", null);
        }
        body.put("flagState", flagState(explanation.flagState()));
        return json(res, decision == null ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, body);
    }

    /**
     * The bounds this replica holds by and what it is doing: flags-admin reads them to schedule a move far enough
     * ahead ({@code lease + 3 x clockSkew + propagation}) and to tell whether the fleet agrees on them.
     */
    private Map<String, Object> cutoverState() {
        CutoverConfig c = cutover.config();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leaseMode", c.leaseMode().name().toLowerCase(java.util.Locale.ROOT));
        out.put("leaseSeconds", c.lease().toMillis() / 1000.0);
        out.put("windowLeaseSeconds", c.windowLease().toMillis() / 1000.0);
        out.put("clockSkewSeconds", c.clockSkew().toMillis() / 1000.0);
        out.put("legacyDeadlineSeconds", c.legacyDeadline().toMillis() / 1000.0);
        out.put("holdTimeoutSeconds", c.holdTimeout().toMillis() / 1000.0);
        out.put("check", c.checkUrl().isPresent());
        out.put("windowOpen", routing.windowOpen());
        out.put("strict", cutover.strict());
        out.put("stale", cutover.stale());
        out.put("held", cutover.held());
        out.put("now", java.time.Instant.now().toString());
        return out;
    }

    private static Map<String, Object> flagState(UnleashRoutingPolicy.Status s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("flag", s.flag());
        out.put("loaded", s.loaded());
        out.put("flagPresent", s.flagPresent());
        out.put("origin", s.origin());
        out.put("revision", s.revision());
        out.put("routingTable", s.routingTable());
        out.put("appliedAt", s.appliedAt() == null ? null : s.appliedAt().toString());
        out.put("ageSeconds", s.ageSeconds());
        return out;
    }

    private static Publisher<Void> json(HttpServerResponse res, HttpResponseStatus status, Object body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            bytes = ErrorResponses.body(ProxyFailure.INTERNAL, "cannot write the answer as JSON");
        }
        return res.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendByteArray(Mono.just(bytes));
    }
}
