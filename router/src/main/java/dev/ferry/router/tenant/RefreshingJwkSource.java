package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public keys of {@code tenant.jwt.jwks}, a JWK set file or http(s) URL, served from memory.
 *
 * <p>Loaded once when built (a failure stops startup) and then again every {@code tenant.jwt.jwks-refresh} on its own
 * daemon thread, so the request path only ever reads a snapshot and never waits for I/O. A failed reload keeps the
 * last good set and logs a warning. Private and symmetric keys in the set are dropped: only public keys verify.
 */
final class RefreshingJwkSource implements JWKSource<SecurityContext>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RefreshingJwkSource.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String location;
    private final HttpClient http;
    private final Runnable onChange;
    private final AtomicReference<JWKSet> keys;
    private final ScheduledExecutorService refresher;

    /**
     * @param onChange run on the refresher thread after a reload that changed the set
     * @throws IllegalArgumentException when the set cannot be loaded or holds no public key
     */
    RefreshingJwkSource(String location, Duration every, Runnable onChange) {
        this.location = requireNonNull(location, "location");
        this.http = isUrl(location)
                ? HttpClient.newBuilder().connectTimeout(TIMEOUT).build()
                : null;
        this.onChange = requireNonNull(onChange, "onChange");
        this.keys = new AtomicReference<>(loadAtStartup());
        this.refresher = Executors.newSingleThreadScheduledExecutor(RefreshingJwkSource::daemon);
        refresher.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        return selector.select(keys.get());
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }

    private void refresh() {
        try {
            JWKSet fresh = load();
            if (!fresh.equals(keys.getAndSet(fresh))) {
                log.info("tenant.jwt.jwks: reloaded {} key(s) from '{}'", fresh.size(), location);
                onChange.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) { // anything escaping would cancel the schedule
            log.warn(
                    "tenant.jwt.jwks: reloading '{}' failed, keeping the last {} key(s): {}",
                    location,
                    keys.get().size(),
                    e.toString());
        }
    }

    private JWKSet loadAtStartup() {
        try {
            JWKSet loaded = load();
            log.info("tenant.jwt.jwks: loaded {} key(s) from '{}'", loaded.size(), location);
            return loaded;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("tenant.jwt.jwks: '" + location + "' interrupted while loading", e);
        } catch (IOException | ParseException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "tenant.jwt.jwks: '" + location + "' could not be loaded"
                            + " (expected: a JWK set file or http(s) URL with at least one public key): " + e,
                    e);
        }
    }

    private JWKSet load() throws IOException, ParseException, InterruptedException {
        JWKSet loaded = http == null ? JWKSet.load(new File(location)) : JWKSet.parse(fetch());
        JWKSet publicKeys = loaded.toPublicJWKSet();
        if (publicKeys.isEmpty()) {
            throw new ParseException("the set holds no public key", 0);
        }
        return publicKeys;
    }

    private String fetch() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(location))
                .timeout(TIMEOUT)
                .header("Accept", "application/json")
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) { // the JDK client's own says neither where nor why
            ConnectException described =
                    new ConnectException("cannot connect to " + request.uri().getAuthority());
            described.initCause(e);
            throw described;
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + location);
        }
        return response.body();
    }

    private static boolean isUrl(String location) {
        return location.startsWith("http://") || location.startsWith("https://");
    }

    private static Thread daemon(Runnable task) {
        Thread thread = new Thread(task, "ferry-jwks-refresh");
        thread.setDaemon(true);
        return thread;
    }
}
