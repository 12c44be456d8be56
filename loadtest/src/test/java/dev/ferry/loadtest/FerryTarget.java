package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * The Ferry under test and how its responses are read.
 *
 * <ul>
 *   <li>{@code ferry.baseUrl} (default {@code http://127.0.0.1:8080}): the proxy port.
 *   <li>{@code ferry.adminUrl} (default {@code http://127.0.0.1:9901}): the admin port, for
 *       {@code /routing/tenants/{id}}.
 *   <li>{@code ferry.tenantHeader} (default {@code X-Tenant-Id}): the header that names the tenant
 *       ({@code tenant.header}).
 *   <li>{@code ferry.backendHeader} (default {@code X-Ferry-Backend}): the header naming the backend that served a
 *       response ({@code forwarding.served-by-header}, on in the demo); {@code body} reads the JSON body's
 *       {@code backend} field instead (the demo's backends write it); {@code none} checks no backend (the steady and
 *       peak simulations then check only the status; the cutover simulation needs one of the other two).
 * </ul>
 */
record FerryTarget(String baseUrl, String adminUrl, String tenantHeader, String backendHeader) {
    static final String BODY = "body";
    static final String NONE = "none";

    static FerryTarget fromProperties() {
        return new FerryTarget(
                Settings.url("ferry.baseUrl", "http://127.0.0.1:8080"),
                Settings.url("ferry.adminUrl", "http://127.0.0.1:9901"),
                Settings.text("ferry.tenantHeader", "X-Tenant-Id"),
                Settings.text("ferry.backendHeader", "X-Ferry-Backend"));
    }

    /**
     * One connection pool for all virtual users ({@code shareConnections}): each open-model user sends one request,
     * and without it every user would open (and close) a connection of its own, which measures TCP set-up instead of
     * Ferry and, with every closed connection in TIME_WAIT for a minute, runs out of ephemeral ports within seconds at
     * 11,600 users per second.
     */
    HttpProtocolBuilder protocol() {
        return http.baseUrl(baseUrl)
                .shareConnections()
                .disableWarmUp()
                .disableCaching()
                .acceptHeader("application/json")
                .userAgentHeader("ferry-loadtest");
    }

    boolean namesBackend() {
        return !backendHeader.equals(NONE);
    }

    /** Extracts the backend ({@code legacy} or {@code new}) that served a response; see {@link #namesBackend()}. */
    CheckBuilder.Find<String> backend() {
        return backendHeader.equals(BODY) ? jsonPath("$.backend") : header(backendHeader);
    }
}
