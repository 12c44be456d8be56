package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitchOrElse;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * What one virtual user does: one request for one tenant, a {@code GET /api/items} or, for {@code postPercent} of the
 * users, a {@code POST /api/items} with a small JSON body; checked to answer 200 from an expected backend.
 *
 * <ul>
 *   <li>{@code postPercent} (default 20): the share of requests that are POSTs.
 *   <li>{@code bodyBytes} (default 1024): the size of each POST's JSON body.
 * </ul>
 */
final class TenantTraffic {
    static final String PATH = "/api/items";

    private final FerryTarget target;
    private final double postPercent;
    private final byte[] body;

    TenantTraffic(FerryTarget target) {
        this.target = target;
        this.postPercent = Settings.percent("postPercent", 20);
        this.body = jsonBody(Settings.count("bodyBytes", 1024, 64));
    }

    /** A JSON object of exactly {@code size} bytes (at least 64), built once: every POST sends the same bytes. */
    static byte[] jsonBody(int size) {
        String head = "{\"sku\":\"ferry-loadtest\",\"quantity\":1,\"note\":\"";
        String tail = "\"}";
        return (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param tenant picks the tenant of a request
     * @param label the request's name in the report, after its method ("GET /api/items")
     * @param expected the backends a response may come from, when the target names them
     */
    ChainBuilder request(
            Function<Session, String> tenant,
            Function<Session, String> label,
            Function<Session, List<String>> expected) {
        HttpRequestActionBuilder get =
                http(session -> "GET " + label.apply(session)).get(PATH).header(target.tenantHeader(), tenant);
        HttpRequestActionBuilder post = http(session -> "POST " + label.apply(session))
                .post(PATH)
                .header(target.tenantHeader(), tenant)
                .body(ByteArrayBody(body))
                .asJson();
        return randomSwitchOrElse()
                .on(percent(postPercent).then(exec(checked(post, expected))))
                .orElse(exec(checked(get, expected)));
    }

    private HttpRequestActionBuilder checked(
            HttpRequestActionBuilder request, Function<Session, List<String>> expected) {
        CheckBuilder ok = status().is(200);
        return target.namesBackend() ? request.check(ok, target.backend().in(expected)) : request.check(ok);
    }
}
