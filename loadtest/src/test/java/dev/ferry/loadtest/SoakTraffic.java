package dev.ferry.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's traffic (loadtest/soak.sh): a fixed rate of mixed requests for a fixed time, through both of Ferry's
 * transports and its error paths, with nothing but the JDK, so that the soak needs no build of this module:
 *
 * <pre>
 *   java loadtest/src/test/java/dev/ferry/loadtest/SoakTraffic.java PROXY_URL SECONDS RATE REPORT_FILE
 * </pre>
 *
 * HTTP/1.1 requests (a client pinned to HTTP/1.1) take Ferry's fast path; h2c requests (the JDK client's HTTP/2 on
 * {@code http:}, an h2c upgrade on each new connection) take Reactor Netty's. Every 100 requests, on each transport
 * alike: GETs and POSTs (1-16 KiB) for tenants on both backends (the new backend's periodic outage gives 503s,
 * resets and {@code breaker_open}), responses the legacy backend cuts mid-body, clients that stop reading
 * mid-response, uploads abandoned mid-body, requests naming no tenant, and one request without {@code Host} on a raw
 * socket. Each request has a 10 s timeout and at most {@code MAX_IN_FLIGHT} are open at once (an arrival beyond
 * that is counted as skipped, not queued), so the run ends within its time plus 15 s. It writes its counts, by
 * transport, kind and result, to REPORT_FILE.
 */
public final class SoakTraffic {
    private static final int MAX_IN_FLIGHT = 400;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int TENANTS = 10;
    private static final int H2C_CONNECTIONS = 8;

    /** What one request does; a transport sends each kind its own way. */
    enum Kind {
        GET,
        POST,
        CUT_MID_BODY,
        ABORT_MID_RESPONSE,
        ABORT_MID_UPLOAD,
        NO_TENANT,
        NO_HOST
    }

    /**
     * Per 100 requests: 46 GET, 16 POST, 8 cut, 10 read aborts, 10 upload aborts, 8 no tenant, 2 no Host. The
     * variable {@code SOAK_KINDS} (kind names, comma-separated) keeps only those kinds, to run one path alone.
     */
    private static final List<Kind> MIX = mix(Map.of(
            Kind.GET, 46,
            Kind.POST, 16,
            Kind.CUT_MID_BODY, 8,
            Kind.ABORT_MID_RESPONSE, 10,
            Kind.ABORT_MID_UPLOAD, 10,
            Kind.NO_TENANT, 8,
            Kind.NO_HOST, 2));

    private final URI proxy;
    private final HttpClient http1;
    /** Several h2c connections, so that each stays under Ferry's rapid-reset limit (200 RST_STREAM in 30 s). */
    private final List<HttpClient> h2c;

    private final ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
    private final ExecutorService sockets = Executors.newFixedThreadPool(4);
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();

    private SoakTraffic(URI proxy) {
        this.proxy = proxy;
        this.http1 = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.h2c = java.util.stream.IntStream.range(0, H2C_CONNECTIONS)
                .mapToObj(i -> HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build())
                .toList();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SoakTraffic PROXY_URL SECONDS RATE REPORT_FILE");
            System.exit(2);
        }
        SoakTraffic traffic = new SoakTraffic(URI.create(args[0]));
        long seconds = Long.parseLong(args[1]);
        int rate = Integer.parseInt(args[2]);
        traffic.run(Duration.ofSeconds(seconds), rate);
        String report = traffic.report();
        Files.writeString(Path.of(args[3]), report);
        System.out.print(report);
    }

    /** Sends {@code rate} requests a second for {@code duration}, then waits (bounded) for the last to end. */
    private void run(Duration duration, int rate) throws InterruptedException {
        long total = duration.toSeconds() * rate;
        long start = System.nanoTime();
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(10);
        CountDownLatch allSent = new CountDownLatch(1);
        // An open model: each 10 ms tick sends what the rate owes by then, whatever is still in flight
        ticks.scheduleAtFixedRate(
                () -> {
                    long owed = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
                    while (sent.get() < owed) {
                        send(sent.getAndIncrement());
                    }
                    if (owed == total) {
                        allSent.countDown();
                    }
                },
                0,
                tickNanos,
                TimeUnit.NANOSECONDS);
        boolean onTime = allSent.await(duration.toSeconds() + 5, TimeUnit.SECONDS);
        ticks.shutdownNow();
        // What is still in flight ends within its timeout
        if (!inFlight.tryAcquire(MAX_IN_FLIGHT, TIMEOUT.toSeconds() + 2, TimeUnit.SECONDS)) {
            count("all", "unfinished", "requests");
        }
        sockets.shutdownNow();
        if (!onTime) {
            count("all", "generator", "behind");
        }
    }

    private void send(long n) {
        Kind kind = MIX.get((int) (n % MIX.size()));
        boolean onH2c = (n / MIX.size()) % 2 == 1;
        String transport = kind == Kind.NO_HOST ? "http1-raw" : onH2c ? "h2c" : "http1";
        if (!inFlight.tryAcquire()) {
            count(transport, kind, "skipped");
            return;
        }
        String tenant = "soak-" + (n % 2 == 0 ? "legacy-" : "new-") + (n / 2 % TENANTS + 1);
        CompletionStage<String> result = kind == Kind.NO_HOST
                ? CompletableFuture.supplyAsync(this::requestWithoutHost, sockets)
                : exchange(onH2c ? h2c.get((int) (n % H2C_CONNECTIONS)) : http1, kind, tenant, n);
        result.exceptionally(SoakTraffic::failure).whenComplete((outcome, error) -> {
            count(transport, kind, outcome);
            inFlight.release();
        });
    }

    private CompletionStage<String> exchange(HttpClient client, Kind kind, String tenant, long n) {
        HttpRequest.Builder request = HttpRequest.newBuilder().timeout(TIMEOUT).header("X-Tenant-Id", tenant);
        return switch (kind) {
            case GET ->
                client.sendAsync(request.uri(path("/items")).build(), HttpResponse.BodyHandlers.discarding())
                        .thenApply(SoakTraffic::status);
            case POST ->
                client.sendAsync(
                                request.uri(path("/items"))
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(body((int) (1 + n % 16) * 1024)))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .thenApply(SoakTraffic::status);
            case CUT_MID_BODY ->
                client.sendAsync(
                                request.uri(path("/cut"))
                                        .setHeader("X-Tenant-Id", "soak-legacy-1")
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .thenApply(SoakTraffic::status);
            case ABORT_MID_RESPONSE ->
                client.sendAsync(request.uri(path("/slow")).build(), info -> new StopAfterFirstChunk(info.statusCode()))
                        .thenApply(HttpResponse::body);
            case ABORT_MID_UPLOAD -> abandonUpload(client, request.uri(path("/items")));
            case NO_TENANT ->
                client.sendAsync(
                                HttpRequest.newBuilder(path("/items"))
                                        .timeout(TIMEOUT)
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .thenApply(SoakTraffic::status);
            case NO_HOST -> throw new IllegalArgumentException("sent on a raw socket");
        };
    }

    /** A POST whose body stops after a few chunks; the exchange is cancelled 250 ms in. */
    private CompletionStage<String> abandonUpload(HttpClient client, HttpRequest.Builder request) {
        CompletableFuture<HttpResponse<Void>> exchange = client.sendAsync(
                request.POST(HttpRequest.BodyPublishers.fromPublisher(new StalledBody()))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        ticks.schedule(() -> exchange.cancel(true), 250, TimeUnit.MILLISECONDS);
        return exchange.handle(
                (response, error) -> response != null ? "completed " + response.statusCode() : failure(error));
    }

    /** HTTP/1.1 without Host: Ferry answers 400 request_invalid. */
    private String requestWithoutHost() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(proxy.getHost(), proxy.getPort()), 5000);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("GET /items HTTP/1.1\r\nX-Tenant-Id: soak-legacy-1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 ")
                    ? new String(head, 9, 3, StandardCharsets.US_ASCII)
                    : "no answer";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private URI path(String path) {
        return proxy.resolve(path);
    }

    private static String status(HttpResponse<?> response) {
        String version = response.version() == HttpClient.Version.HTTP_2 ? " (h2)" : "";
        return response.statusCode() + version;
    }

    private static String failure(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof java.util.concurrent.CompletionException
                        || cause instanceof UncheckedIOException
                        || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof java.util.concurrent.CancellationException) {
            return "cancelled";
        }
        // The message without numbers (stream ids, byte counts), so that alike failures are counted together
        String message = String.valueOf(cause.getMessage()).replaceAll("[0-9]+", "N");
        return "error " + cause.getClass().getSimpleName() + ": "
                + message.substring(0, Math.min(80, message.length()));
    }

    private void count(String transport, Object kind, String outcome) {
        counts.computeIfAbsent(transport + "\t" + kind + "\t" + outcome, k -> new LongAdder())
                .increment();
    }

    private String report() {
        StringBuilder out = new StringBuilder("transport\tkind\tresult\tcount\n");
        new TreeMap<>(counts)
                .forEach(
                        (key, n) -> out.append(key).append('\t').append(n.sum()).append('\n'));
        out.append("all\tall\tsent\t").append(sent.get()).append('\n');
        return out.toString();
    }

    private static byte[] body(int bytes) {
        byte[] body = new byte[bytes];
        java.util.Arrays.fill(body, (byte) 'b');
        return body;
    }

    private static List<Kind> mix(Map<Kind, Integer> shares) {
        String only = System.getenv().getOrDefault("SOAK_KINDS", "");
        List<Kind> kinds = only.isBlank()
                ? List.of(Kind.values())
                : java.util.Arrays.stream(only.split(","))
                        .map(String::strip)
                        .map(Kind::valueOf)
                        .toList();
        List<Kind> mix = new ArrayList<>();
        // Interleaved, so that every stretch of the run sees every kind
        for (int round = 0; round < 100; round++) {
            for (Kind kind : kinds) {
                if (round < shares.get(kind)) {
                    mix.add(kind);
                }
            }
        }
        return List.copyOf(mix);
    }

    /** Reads the response's first chunk, then cancels: the client goes away mid-response. */
    private static final class StopAfterFirstChunk implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final int status;

        StopAfterFirstChunk(int status) {
            this.status = status;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        private Flow.Subscription subscription;

        @Override
        public void onNext(List<ByteBuffer> item) {
            // Settled first: the cancel makes the client report an error to this subscriber
            result.complete(status == 200 ? "stopped reading" : "stopped reading " + status);
            subscription.cancel();
        }

        @Override
        public void onError(Throwable throwable) {
            result.complete(failure(throwable));
        }

        @Override
        public void onComplete() {
            result.complete("complete before stopping " + status);
        }
    }

    /** Three 1 KiB chunks, then nothing more: the upload never ends unless it is cancelled. */
    private static final class StalledBody implements Flow.Publisher<ByteBuffer> {
        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                private int left = 3;

                @Override
                public void request(long n) {
                    for (long i = 0; i < n && left > 0; i++, left--) {
                        subscriber.onNext(ByteBuffer.wrap(body(1024)));
                    }
                }

                @Override
                public void cancel() {
                    left = 0;
                }
            });
        }
    }
}
