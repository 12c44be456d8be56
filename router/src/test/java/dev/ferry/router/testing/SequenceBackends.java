package dev.ferry.router.testing;

import dev.ferry.router.exchange.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Two real HTTP servers on loopback, legacy and new, that log every request they serve with one global sequence
 * number, taken when the request reaches them: the order in which a tenant's requests hit the two backends, across
 * every replica in front of them. A request to {@code /slow} is answered after {@code slow}.
 */
public final class SequenceBackends implements AutoCloseable {
    /** One request as a backend saw it. */
    public record Served(long seq, Backend backend, String tenant, String path) {}

    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentLinkedQueue<Served> log = new ConcurrentLinkedQueue<>();
    private final Map<Backend, DisposableServer> servers = new EnumMap<>(Backend.class);

    public SequenceBackends(Duration slow) {
        for (Backend backend : Backend.values()) {
            servers.put(
                    backend,
                    HttpServer.create()
                            .host("127.0.0.1")
                            .port(0)
                            .handle((req, res) -> {
                                String tenant = req.requestHeaders().get("X-Tenant-Id", "");
                                log.add(new Served(sequence.incrementAndGet(), backend, tenant, req.path()));
                                Mono<String> body = Mono.just("served by " + backend.tag());
                                if (req.uri().startsWith("/slow")) {
                                    body = body.delayElement(slow);
                                }
                                return req.receive()
                                        .then()
                                        .then(res.sendString(body).then());
                            })
                            .bindNow());
        }
    }

    public String url(Backend backend) {
        return "http://127.0.0.1:" + servers.get(backend).port();
    }

    public Map<String, String> config() {
        return Map.of("backends.legacy.url", url(Backend.LEGACY), "backends.new.url", url(Backend.NEW));
    }

    /** A tenant's requests in the order the backends received them. */
    public List<Served> of(String tenant) {
        List<Served> out = new ArrayList<>();
        for (Served s : log) {
            if (s.tenant().equals(tenant)) {
                out.add(s);
            }
        }
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }

    /**
     * Requests of the tenant that legacy received after new received its first one: each is a write that one-way
     * replication loses. The cutover's promise is that there are none.
     */
    public List<Served> legacyAfterFirstNew(String tenant) {
        List<Served> served = of(tenant);
        long firstNew = served.stream()
                .filter(s -> s.backend() == Backend.NEW)
                .mapToLong(Served::seq)
                .min()
                .orElse(Long.MAX_VALUE);
        return served.stream()
                .filter(s -> s.backend() == Backend.LEGACY && s.seq() > firstNew)
                .toList();
    }

    @Override
    public void close() {
        servers.values().forEach(DisposableServer::disposeNow);
    }
}
