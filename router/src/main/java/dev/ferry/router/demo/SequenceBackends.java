package dev.ferry.router.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The fleet harness's two backends (deploy/local/fleet.sh): "legacy" and "new" on loopback, in one process, that log
 * every request they receive with one global sequence number, so that the order in which a tenant's requests reached
 * the two backends can be checked across every replica in front of them. A line per request, tab-separated:
 *
 * <pre>
 *   sequence  backend  tenant  method  path  unix-micros
 * </pre>
 *
 * <p>A request whose query has {@code delay=N} is answered N ms after its body has arrived (it is logged on arrival).
 *
 * The log is written by one thread every 20 ms and at exit. Usage: {@code java -cp ferry-router.jar
 * dev.ferry.router.demo.SequenceBackends LEGACY_PORT NEW_PORT LOG_FILE}.
 */
public final class SequenceBackends implements AutoCloseable {
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final BufferedWriter log;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sequence-log");
        t.setDaemon(true);
        return t;
    });
    private final DisposableServer legacy;
    private final DisposableServer newBackend;

    private SequenceBackends(int legacyPort, int newPort, Path logFile) throws IOException {
        this.log = Files.newBufferedWriter(
                logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.legacy = server("legacy", legacyPort);
        this.newBackend = server("new", newPort);
        writer.scheduleWithFixedDelay(this::drain, 20, 20, TimeUnit.MILLISECONDS);
    }

    public static SequenceBackends start(int legacyPort, int newPort, Path logFile) {
        try {
            return new SequenceBackends(legacyPort, newPort, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the sequence log " + logFile, e);
        }
    }

    private DisposableServer server(String name, int port) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle((req, res) -> {
                    long now = java.time.temporal.ChronoUnit.MICROS.between(
                            java.time.Instant.EPOCH, java.time.Instant.now());
                    String tenant = req.requestHeaders().get("X-Tenant-Id", "-");
                    pending.add(sequence.incrementAndGet() + "\t" + name + "\t" + tenant + "\t"
                            + req.method().name() + "\t" + req.uri() + "\t" + now);
                    return req.receive()
                            .then()
                            .then(pause(delay(req.uri())))
                            .then(res.header("X-Served-By", name)
                                    .sendString(reactor.core.publisher.Mono.just("served by " + name))
                                    .then());
                })
                .bindNow();
    }

    /** {@code delay=N} in the query: the answer comes after N ms (at most 10 s), as a backend that does work. */
    static java.time.Duration delay(String uri) {
        java.util.regex.Matcher m = DELAY.matcher(uri);
        return m.find()
                ? java.time.Duration.ofMillis(Math.min(10_000, Long.parseLong(m.group(1))))
                : java.time.Duration.ZERO;
    }

    private static reactor.core.publisher.Mono<Void> pause(java.time.Duration d) {
        return d.isZero()
                ? reactor.core.publisher.Mono.empty()
                : reactor.core.publisher.Mono.delay(d).then();
    }

    private static final java.util.regex.Pattern DELAY = java.util.regex.Pattern.compile("[?&]delay=(\\d{1,6})(?:&|$)");

    private synchronized void drain() {
        try {
            String line;
            while ((line = pending.poll()) != null) {
                log.write(line);
                log.newLine();
            }
            log.flush();
        } catch (IOException e) {
            System.err.println("sequence log: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        legacy.disposeNow();
        newBackend.disposeNow();
        writer.shutdown();
        drain();
        try {
            log.close();
        } catch (IOException e) {
            System.err.println("sequence log: " + e.getMessage());
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: SequenceBackends LEGACY_PORT NEW_PORT LOG_FILE");
            System.exit(2);
        }
        SequenceBackends backends = start(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Path.of(args[2]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            backends.close();
                            stopped.countDown();
                        },
                        "sequence-backends-stop"));
        System.out.println("Sequence backends: legacy on 127.0.0.1:" + args[0] + ", new on 127.0.0.1:" + args[1]
                + ", log " + args[2]);
        stopped.await();
    }
}
