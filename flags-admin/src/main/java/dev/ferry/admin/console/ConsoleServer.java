package dev.ferry.admin.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.admin.json.JsonViews;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.ConflictException;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.TenantMover;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console's HTTP server (the JDK's {@link HttpServer}, a small bounded pool: store calls block): the static page
 * from the jar at {@code /}, and the REST API at {@code /api/}, where every call needs {@code Authorization: Bearer
 * TOKEN}. Errors are {@code {"error": "...", "detail": "..."}} with a status that says what kind of thing went wrong.
 */
public final class ConsoleServer implements AutoCloseable {
    /** Request bodies: a key given twice or anything after the object is an error, never silently dropped. */
    private static final com.fasterxml.jackson.databind.ObjectMapper REQUESTS = JsonViews.JSON
            .copy()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Larger than 10,000 tenant ids in one change; a body above it is refused with 413. */
    static final int MAX_BODY = 4 * 1024 * 1024;

    private static final int THREADS = 4;
    private static final Map<String, String> PAGES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/console.js", "console.js",
            "/console.css", "console.css");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final byte[] token;
    private final ConsoleApi api;
    private final PrintStream log;

    private ConsoleServer(HttpServer server, ThreadPoolExecutor pool, String token, ConsoleApi api, PrintStream log) {
        this.server = server;
        this.pool = pool;
        this.token = sha256(token);
        this.api = api;
        this.log = log;
    }

    /**
     * @param listen where to listen (port 0 picks a free one)
     * @param token the bearer token every API call must carry
     * @param split where the live split comes from ({@link LiveSplit#none()} when not configured)
     * @param log where applied changes and unexpected errors are logged, one line each
     * @throws IOException when the address cannot be bound
     */
    public static ConsoleServer start(
            InetSocketAddress listen, String token, TenantMover mover, LiveSplit split, PrintStream log)
            throws IOException {
        return start(listen, token, mover, split, ReadinessGate.withoutRouters("ferry.shadow"), log);
    }

    /**
     * @param gate the readiness gate of moves to new, and the replicas whose shadow reads the console shows
     */
    public static ConsoleServer start(
            InetSocketAddress listen,
            String token,
            TenantMover mover,
            LiveSplit split,
            ReadinessGate gate,
            PrintStream log)
            throws IOException {
        if (token == null || token.isBlank()) {
            throw new BadInputException(
                    "no console token (expected: --console-token TOKEN or" + " FLAGS_ADMIN_CONSOLE_TOKEN)");
        }
        HttpServer server = HttpServer.create(listen, 64);
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                THREADS,
                THREADS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(128),
                r -> {
                    Thread t = new Thread(r, "flags-admin-console-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy());
        ConsoleServer console = new ConsoleServer(server, pool, token, new ConsoleApi(mover, split, gate, log), log);
        server.createContext("/", console::handle);
        server.setExecutor(pool);
        server.start();
        return console;
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8090/}. */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/api") || path.startsWith("/api/")) {
                api(exchange, path);
            } else {
                page(exchange, path);
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        } catch (RuntimeException e) {
            log.println("flags-admin console: unexpected error (a bug; please report it with this trace):");
            e.printStackTrace(log);
        }
    }

    private void api(HttpExchange exchange, String path) throws IOException {
        ObjectNode error;
        int status;
        try {
            authorize(exchange);
            JsonNode answer = api.handle(
                    exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                    path,
                    exchange.getRequestURI().getRawQuery(),
                    () -> body(exchange));
            send(exchange, 200, answer);
            return;
        } catch (ApiException e) {
            status = e.status();
            error = document(e.error(), e.getMessage());
            if (e.extra() != null) {
                error.setAll(e.extra());
            }
            if (status == 401) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"flags-admin\"");
            }
        } catch (BadInputException e) {
            status = 400;
            error = document("bad input", e.getMessage());
        } catch (ConflictException e) {
            status = 409;
            error = document("conflict", e.getMessage());
        } catch (StoreUnavailableException e) {
            boolean unreachable = e.getCause() instanceof IOException;
            status = unreachable ? 503 : 502;
            error = document(unreachable ? "store unreachable" : "store refused the request", e.getMessage());
        } catch (RuntimeException e) {
            log.println("flags-admin console: unexpected error on " + exchange.getRequestMethod() + " " + path
                    + " (a bug; please report it with this trace):");
            e.printStackTrace(log);
            status = 500;
            error = document(
                    "internal error",
                    "flags-admin failed unexpectedly (" + e.getClass().getSimpleName()
                            + "); the console's log has the trace");
        }
        send(exchange, status, error);
    }

    static ObjectNode document(String error, String detail) {
        return JsonViews.JSON.createObjectNode().put("error", error).put("detail", detail);
    }

    /** A constant-time comparison of the bearer token (digests first: the lengths do not leak either). */
    private void authorize(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.isBlank()) {
            throw new ApiException(
                    401,
                    "unauthorized",
                    "no Authorization header (expected: Authorization: Bearer"
                            + " followed by the console token flags-admin serve was started with)");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(
                    401,
                    "unauthorized",
                    "the Authorization header is not a bearer token (expected:" + " Authorization: Bearer TOKEN)");
        }
        byte[] given = sha256(header.substring(7).strip());
        if (!MessageDigest.isEqual(given, token)) {
            throw new ApiException(
                    401,
                    "unauthorized",
                    "the console token is wrong (expected: the token flags-admin"
                            + " serve was started with, --console-token or FLAGS_ADMIN_CONSOLE_TOKEN)");
        }
    }

    private static JsonNode body(HttpExchange exchange) {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY) {
            throw new ApiException(
                    413,
                    "body too large",
                    "the body is larger than " + MAX_BODY / 1024 / 1024
                            + " MiB (expected: a change of at most about 100,000 tenants at once)");
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("the body is empty (expected: a JSON object such as {\"change\": \"move\","
                    + " \"tenants\": [\"acme\"], \"to\": \"new\", \"by\": \"jane\"})");
        }
        try {
            return REQUESTS.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "the body is not JSON: " + e.getOriginalMessage() + " (expected: a JSON" + " object)");
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
    }

    private static void send(HttpExchange exchange, int status, JsonNode document) throws IOException {
        byte[] bytes = JsonViews.JSON.writeValueAsBytes(document);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json; charset=utf-8");
        headers.set("Cache-Control", "no-store");
        headers.set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void page(HttpExchange exchange, String path) throws IOException {
        var headers = exchange.getResponseHeaders();
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            headers.set("Allow", "GET, HEAD");
            text(
                    exchange,
                    405,
                    method + " " + path + ": the page is read-only (expected: GET; the API is under" + " /api/)");
            return;
        }
        String name = PAGES.get(path);
        if (name == null) {
            text(exchange, 404, "no page at " + path + " (expected: /, the console)");
            return;
        }
        byte[] bytes;
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no console/" + name);
            }
            bytes = in.readAllBytes();
        }
        String type = name.endsWith(".html")
                ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        headers.set("Content-Type", type);
        headers.set("Cache-Control", "no-cache");
        headers.set("Content-Security-Policy", CSP);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        if (method.equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void text(HttpExchange exchange, int status, String message) throws IOException {
        byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
