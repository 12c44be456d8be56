package dev.ferry.router.cutover;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's pre-activation check: an HTTP GET, {@code {tenant}} replaced, answered 2xx once the tenant may be
 * served by new (replication caught up, say). Polled per move and tenant while its requests are held; a pass is
 * remembered, so each replica asks until it passes and then never again for that move.
 */
final class PreActivationCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PreActivationCheck.class);

    private final String template;
    private final long intervalMillis;
    private final CutoverEvents events;
    private final Clock clock;
    private final HttpClient http;
    /** Moves (tenant and time) whose check passed. */
    private final Cache<String, Boolean> passed = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(2))
            .build();
    /** When each move's check was last asked, and whether an answer is awaited. */
    private final Map<String, Probe> probes = new ConcurrentHashMap<>();

    PreActivationCheck(String template, Duration interval, CutoverEvents events, Clock clock) {
        this.template = template;
        this.intervalMillis = interval.toMillis();
        this.events = events;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    boolean passed(String tenant, long atMillis) {
        return passed.getIfPresent(key(tenant, atMillis)) != null;
    }

    /** Asks again unless an answer is awaited or it was asked less than an interval ago. Never blocks. */
    void poll(String tenant, long atMillis) {
        String key = key(tenant, atMillis);
        Probe probe = probes.computeIfAbsent(key, k -> new Probe());
        long now = clock.millis();
        synchronized (probe) {
            if (probe.awaiting || now - probe.askedAt < intervalMillis) {
                return;
            }
            probe.awaiting = true;
            probe.askedAt = now;
        }
        URI uri = URI.create(template.replace("{tenant}", URLEncoder.encode(tenant, StandardCharsets.UTF_8)));
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(Math.max(1000, intervalMillis * 5)))
                .GET()
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            boolean ok = error == null && response.statusCode() / 100 == 2;
            if (ok) {
                passed.put(key, Boolean.TRUE);
                probes.remove(key);
                LOG.info("Pre-activation check passed for tenant {} (move at {}): new opens", tenant, atMillis);
            } else {
                LOG.debug(
                        "Pre-activation check for tenant {} not passed yet: {}",
                        tenant,
                        error == null ? "status " + response.statusCode() : error.toString());
            }
            synchronized (probe) {
                probe.awaiting = false;
            }
            events.checkAnswered(ok);
        });
    }

    private static String key(String tenant, long atMillis) {
        return tenant + '@' + atMillis;
    }

    @Override
    public void close() {
        probes.clear();
    }

    private static final class Probe {
        boolean awaiting;
        long askedAt;
    }
}
