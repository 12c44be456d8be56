package dev.ferry.admin.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A backend on loopback that answers every request with 200 and its own name (or a body per tenant). */
public final class LoopbackBackend implements AutoCloseable {
    private final HttpServer server;

    public LoopbackBackend(String name) {
        this(tenant -> "{\"backend\":\"" + name + "\"}");
    }

    /**
     * A backend that answers every request with 200 and the body {@code answer} gives for its tenant ({@code
     * X-Tenant-Id}): two of them answering alike for a tenant are what shadow reads find equal.
     */
    public LoopbackBackend(Function<String, String> answer) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String tenant = exchange.getRequestHeaders().getFirst("X-Tenant-Id");
            byte[] body = answer.apply(tenant == null ? "" : tenant).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
