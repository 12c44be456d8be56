package dev.ferry.router.telemetry;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * An {@link AccessRecord} as one JSON object. Field names are OpenTelemetry's semantic conventions for HTTP where one
 * exists ({@code http.request.method}, {@code url.path}, ...), {@code ferry.*} for Ferry's own; a field without a
 * value is left out. The query is not logged: it often carries tokens.
 */
final class AccessLogFormat {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AccessLogFormat() {}

    static void write(AccessRecord r, JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("timestamp", TIMESTAMP.format(Instant.ofEpochMilli(r.startMillis())));
        json.writeStringField("http.request.method", r.method());
        json.writeStringField("url.path", path(r.target()));
        json.writeStringField("network.protocol.version", r.protocol());
        string(json, "client.address", address(r.client()));
        string(json, "user_agent.original", r.userAgent());
        server(json, r.host());
        if (r.status() != 0) {
            json.writeNumberField("http.response.status_code", r.status());
        }
        json.writeNumberField("http.request.body.size", r.requestBytes());
        json.writeNumberField("http.response.body.size", r.responseBytes());
        string(json, "error.type", errorType(r));
        json.writeStringField("ferry.transport", r.transport().tag());
        string(json, "ferry.tenant", r.tenant() == null ? null : r.tenant().value());
        string(json, "ferry.backend", r.backend() == null ? null : r.backend().tag());
        string(
                json,
                "ferry.decision.reason",
                r.reason() == null ? null : r.reason().tag());
        string(json, "ferry.decision.rule", r.rule());
        string(json, "ferry.flag.revision", r.revision());
        string(json, "ferry.error", r.failure() == null ? null : r.failure().kind());
        json.writeStringField("ferry.outcome", r.outcome());
        if (r.firstByteNanos() >= 0) {
            json.writeNumberField("ferry.duration.first_byte_ms", millis(r.firstByteNanos()));
        }
        json.writeNumberField("ferry.duration.total_ms", millis(r.totalNanos()));
        if (r.shadow() != null) {
            json.writeStringField("ferry.shadow.role", r.shadow().role());
            json.writeStringField("ferry.shadow.route", r.shadow().route());
            json.writeStringField("ferry.shadow.verdict", r.shadow().verdict());
        }
        traceIds(json, r);
        json.writeEndObject();
    }

    /** Ferry's span; else the client's, from a valid {@code traceparent} (the span the backend's spans are under). */
    private static void traceIds(JsonGenerator json, AccessRecord r) throws IOException {
        if (r.traceId() != null) {
            json.writeStringField("trace_id", r.traceId());
            json.writeStringField("span_id", r.spanId());
            return;
        }
        String parent = r.traceparent();
        if (validTraceparent(parent)) {
            json.writeStringField("trace_id", parent.substring(3, 35));
            json.writeStringField("span_id", parent.substring(36, 52));
        }
    }

    /** W3C Trace Context §3.2: {@code version-traceid-parentid-flags}, lowercase hex, ids not all zero. */
    static boolean validTraceparent(String value) {
        if (value == null || value.length() < 55 || value.startsWith("ff")) {
            return false;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return false;
        }
        if (value.startsWith("00") && value.length() != 55) {
            return false;
        }
        return hex(value, 0, 2)
                && hex(value, 3, 35)
                && hex(value, 36, 52)
                && hex(value, 53, 55)
                && !zeros(value, 3, 35)
                && !zeros(value, 36, 52);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** OpenTelemetry's {@code error.type}: Ferry's error kind, else a 5xx status, else a client that went away. */
    private static String errorType(AccessRecord r) {
        if (r.failure() != null) {
            return r.failure().kind();
        }
        if (r.status() >= 500) {
            return Integer.toString(r.status());
        }
        return "client_closed".equals(r.outcome()) ? "client_closed" : null;
    }

    private static String path(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static void server(JsonGenerator json, String host) throws IOException {
        if (host == null || host.isEmpty()) {
            return;
        }
        int colon = host.lastIndexOf(':');
        boolean port = colon > 0 && colon > host.lastIndexOf(']') && colon < host.length() - 1;
        if (port) {
            try {
                int number = Integer.parseInt(host.substring(colon + 1));
                json.writeStringField("server.address", host.substring(0, colon));
                json.writeNumberField("server.port", number);
                return;
            } catch (NumberFormatException e) {
                // not a port: the whole value is the address
            }
        }
        json.writeStringField("server.address", host);
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null
                    ? inet.getHostString()
                    : inet.getAddress().getHostAddress();
        }
        return address == null ? null : address.toString();
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    private static void string(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
