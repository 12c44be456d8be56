package dev.ferry.admin.console;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus's query API on loopback, answering the recording rule the live split asks for: the tests run no
 * Prometheus. A router's /metrics comes from the packaged router itself (ConsoleSplitIT, ConsoleBrowserIT); {@link
 * #document} is only the text the parser's unit test reads.
 */
final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    MetricsServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/api/v1/query", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            String json = query.equals("query=backend:ferry_requests:rate5m")
                    ? """
                    {"status":"success","data":{"resultType":"vector","result":[
                      {"metric":{"backend":"legacy"},"value":[1763766000.1,"4.5"]},
                      {"metric":{"backend":"new"},"value":[1763766000.1,"13.5"]},
                      {"metric":{"backend":"none"},"value":[1763766000.1,"0.2"]}]}}"""
                    : "{\"status\":\"error\",\"error\":\"unexpected query " + query + "\"}";
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    /** The series of a router that served {@code legacy} and {@code fresh} requests (split over methods). */
    static String document(long legacy, long fresh) {
        return """
                # HELP ferry_requests_seconds Proxied requests
                # TYPE ferry_requests_seconds summary
                ferry_requests_seconds_count{backend="legacy",method="GET",outcome="forwarded",status_class="2xx"} %d.0
                ferry_requests_seconds_sum{backend="legacy",method="GET",outcome="forwarded",status_class="2xx"} 0.5
                ferry_requests_seconds_count{backend="legacy",method="POST",outcome="forwarded",status_class="5xx"} 0.0
                ferry_requests_seconds_count{backend="new",method="GET",outcome="forwarded",status_class="2xx"} %d.0
                ferry_requests_seconds_count{backend="none",method="GET",outcome="forwarded",status_class="4xx"} 7.0
                # HELP ferry_requests_seconds_max Proxied requests
                # TYPE ferry_requests_seconds_max gauge
                ferry_requests_seconds_max{backend="new",method="GET",outcome="forwarded",status_class="2xx"} 0.01
                ferry_ready 1.0
                """
                .formatted(legacy, fresh);
    }

    URI prometheus() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
