package dev.ferry.router.routing;

import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import io.getunleash.DefaultUnleash;
import io.getunleash.UnleashException;
import io.getunleash.engine.Context;
import io.getunleash.engine.FlatResponse;
import io.getunleash.engine.UnleashEngine;
import io.getunleash.engine.VariantDef;
import io.getunleash.engine.YggdrasilInvalidInputException;
import io.getunleash.event.ClientFeaturesResponse;
import io.getunleash.event.FeatureSet;
import io.getunleash.event.UnleashSubscriber;
import io.getunleash.repository.HttpFeatureFetcher;
import io.getunleash.util.UnleashConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only class that talks to Unleash. Decides per tenant from the routing flag, through a per-state decision cache
 * (one SDK evaluation costs 7-14 µs and does not scale across threads; a cache hit costs nanoseconds).
 *
 * <p>Fail closed: until a flag state holding the routing flag has been applied (from the server, the backup file, the
 * bootstrap file or the local flags file), {@link #decide} throws {@code ROUTING_UNKNOWN}. It never guesses legacy:
 * for a tenant already on new, legacy holds stale data.
 *
 * <p>A changed document is applied when the SDK reports {@code togglesFetched}: a flag state with its own evaluation
 * engine and an empty decision cache replaces the old one in one step, so no answer of the old state is cached under
 * the new one. A document whose routing flag is unchanged keeps the warm cache.
 */
public final class UnleashRoutingPolicy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnleashRoutingPolicy.class);
    /** The Unleash context field that carries the tenant id; strategies' stickiness and constraints use it. */
    public static final String CONTEXT_FIELD = "tenantId";
    /** Parsed rule payloads; a flag has a handful, and documents are checked before they are applied. */
    private static final Map<String, RoutingRule> RULES = new ConcurrentHashMap<>();

    private final FlagsConfig config;
    private final RoutingEvents events;
    private final Clock clock;
    private final AtomicReference<FlagState> state = new AtomicReference<>(FlagState.notLoaded());
    private final AtomicReference<Instant> lastSync = new AtomicReference<>(Instant.EPOCH);
    private final SdkExecutor executor = new SdkExecutor();
    private final DefaultUnleash unleash;
    private final Path backupFile;
    private final FlipBackGuard guard;
    private final TimeBoundaries boundaries;
    private volatile boolean bootstrapRead;

    public UnleashRoutingPolicy(FlagsConfig config, RoutingEvents events, Clock clock) {
        this.config = config;
        this.events = events;
        this.clock = clock;
        this.guard = new FlipBackGuard(config.flagName(), config.heldFile(), events, clock);
        this.boundaries = new TimeBoundaries(config.flagName(), clock, this::refreshCache);
        this.backupFile = config.source() == FlagsConfig.Source.FILE
                ? privateBackupFile()
                : config.unleash().orElseThrow().backupFile();
        this.unleash = new DefaultUnleash(unleashConfig());
        if (bootstrapRead) {
            // Events run in order on the SDK's single event thread: a state fetched during start-up is applied
            // first, and the bootstrap only when nothing else was.
            executor.scheduleOnce(() -> {
                if (!state.get().loaded()) {
                    String json = readQuietly(
                            config.unleash().orElseThrow().bootstrapFile().orElseThrow());
                    apply("bootstrap", json, null);
                }
            });
        }
    }

    /** Seconds since the flag state was last confirmed by its source; NaN before the first time. */
    public double flagsAgeSeconds() {
        Instant last = lastSync.get();
        return last.equals(Instant.EPOCH)
                ? Double.NaN
                : Duration.between(last, clock.instant()).toMillis() / 1000.0;
    }

    /** Routing decisions in the cache. */
    public long cachedDecisions() {
        return state.get().decisions().estimatedSize();
    }

    /** Tenants held on new against the flag. */
    public int heldTenants() {
        return guard.heldCount();
    }

    private UnleashConfig unleashConfig() {
        UnleashConfig.Builder b = UnleashConfig.builder()
                // Its own executor: the SDK's default one is JVM-wide, and shutting one client down would stop all.
                .scheduledExecutor(executor)
                .subscriber(new Subscriber())
                .synchronousFetchOnInitialisation(true)
                .startupExceptionHandler(e -> LOG.warn("First flag fetch failed: {}", message(e)));
        if (config.source() == FlagsConfig.Source.FILE) {
            Path file = config.file().orElseThrow();
            return b.appName("ferry-router")
                    .instanceId("ferry-router-file")
                    .unleashAPI("http://127.0.0.1:9/api")
                    .fetchTogglesInterval(1)
                    .disableMetrics()
                    // The SDK announces a new state only after writing its backup: give it a private one, and delete
                    // it first, because a backup is read before anything else and would shadow the file.
                    .backupFile(backupFile.toString())
                    .unleashFeatureFetcherFactory(
                            c -> new FlagsFileFetcher(file, this::problems, this::rejected, this::synced))
                    .build();
        }
        FlagsConfig.UnleashServer server = config.unleash().orElseThrow();
        prepareBackupFile(server.backupFile());
        server.bootstrapFile().ifPresent(f -> b.toggleBootstrapProvider(() -> readBootstrap(f)));
        return b.appName(server.appName())
                .unleashFeatureFetcherFactory(
                        c -> new ValidatingFetcher(new HttpFeatureFetcher(c), this::problems, this::rejected))
                .unleashAPI(server.url())
                .apiKey(server.token())
                .fetchTogglesInterval(server.refreshInterval().toSeconds())
                .backupFile(server.backupFile().toString())
                .build();
    }

    private static Path privateBackupFile() {
        try {
            Path p = Files.createTempFile("ferry-flags-backup-", ".json");
            Files.delete(p);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for the flag state backup", e);
        }
    }

    /** A backup the SDK cannot parse would be taken as "loaded" with no flags: move it aside and say so. */
    private void prepareBackupFile(Path backup) {
        try {
            Path dir = backup.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("directory " + dir + " is not writable");
            }
            if (Files.exists(backup)) {
                List<String> problems = problems(Files.readString(backup, StandardCharsets.UTF_8));
                if (!problems.isEmpty()) {
                    Path aside = backup.resolveSibling(backup.getFileName() + ".invalid");
                    Files.move(backup, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    LOG.error("Flag backup {} is not valid, moved to {}: {}", backup, aside, problems);
                    rejected("invalid_backup");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "flags.unleash.backup-file: '" + backup + "' cannot be prepared (expected: a writable path): "
                            + e.getMessage(),
                    e);
        }
    }

    private Optional<String> readBootstrap(Path file) {
        String json = readQuietly(file);
        List<String> problems = json == null ? List.of("cannot be read") : problems(json);
        if (!problems.isEmpty()) {
            LOG.error("flags.unleash.bootstrap-file {} is not used: {}", file, problems);
            rejected("invalid_bootstrap");
            return Optional.empty();
        }
        bootstrapRead = true;
        return Optional.of(json);
    }

    private List<String> problems(String json) {
        return ClientFeatures.problems(json, config.flagName());
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Decides for a proxied request. Runs on an event loop: a cache hit, or one in-memory SDK evaluation.
     *
     * @throws ProxyException {@code ROUTING_UNKNOWN} while no usable flag state is applied
     */
    public RoutingDecision decide(TenantId tenant) {
        FlagState s = state.get();
        if (!s.routable()) {
            throw new ProxyException(ProxyFailure.ROUTING_UNKNOWN, unroutable(s));
        }
        RoutingDecision decision = s.decisions().getIfPresent(tenant.value());
        events.cacheLookup(decision != null);
        if (decision == null) {
            decision = evaluate(s, tenant);
            s.decisions().put(tenant.value(), decision);
        }
        events.decided(decision.backend(), decision.reason());
        return decision;
    }

    /** What {@link #decide} would answer, without counting it as a request; for {@code /routing/tenants/{id}}. */
    public Explanation explain(TenantId tenant) {
        FlagState s = state.get();
        if (!s.routable()) {
            return new Explanation(null, unroutable(s), status());
        }
        RoutingDecision cached = s.decisions().getIfPresent(tenant.value());
        return new Explanation(cached != null ? cached : evaluate(s, tenant), null, status());
    }

    /** The answer to "where does this tenant go?", or why nobody can say. */
    public record Explanation(RoutingDecision decision, String unknownBecause, Status flagState) {}

    /**
     * One evaluation of the routing flag by the Unleash engine of this very state (which rule matched, if any), then
     * the flip-back guard. The decision is cached, so this runs once per tenant and flag state.
     */
    private RoutingDecision evaluate(FlagState s, TenantId tenant) {
        return guard.check(evaluate(s.engine(), config.flagName(), tenant, clock.instant()));
    }

    /** The evaluation a cache miss pays, without the cache; for the benchmark. */
    RoutingDecision evaluateUncached(TenantId tenant) {
        return evaluate(state.get(), tenant);
    }

    /**
     * What the routing flag says for a tenant in one engine's state: its variant names the rule that matched; a
     * disabled flag or no matching rule means legacy; a match without a payload means new.
     */
    static RoutingDecision evaluate(UnleashEngine engine, String flagName, TenantId tenant, Instant now) {
        Context context = new Context();
        context.setProperties(Map.of(CONTEXT_FIELD, tenant.value()));
        context.setCurrentTime(now.truncatedTo(ChronoUnit.MILLIS).toString());
        VariantDef variant;
        try {
            FlatResponse<VariantDef> response = engine.getVariant(flagName, context);
            variant = response == null ? null : response.value;
        } catch (YggdrasilInvalidInputException e) {
            throw new IllegalStateException("the Unleash engine refused a context it built itself", e);
        }
        if (variant == null || !Boolean.TRUE.equals(variant.isFeatureEnabled())) {
            return new RoutingDecision(tenant, Backend.LEGACY, Reason.FLAG_OFF);
        }
        String payload =
                variant.getPayload() == null ? null : variant.getPayload().getValue();
        if (payload == null || !Boolean.TRUE.equals(variant.isEnabled())) {
            return new RoutingDecision(tenant, Backend.NEW, Reason.FLAG_ON);
        }
        RoutingRule rule = RULES.computeIfAbsent(payload, RoutingRule::parse);
        return new RoutingDecision(tenant, rule.backend(), rule.reason(), rule.name());
    }

    private String unroutable(FlagState s) {
        if (!s.loaded()) {
            return "no flag state has been loaded yet (from " + describeSource()
                    + "); Ferry does not guess a backend until it knows where tenants live";
        }
        return "the flag state (" + s.origin() + ", revision " + s.revision() + ") has no flag '" + config.flagName()
                + "' (expected: the flag named by flags.flag-name; create it, disabled, to keep every tenant on legacy)";
    }

    private String describeSource() {
        return config.source() == FlagsConfig.Source.FILE
                ? "flags file " + config.file().orElseThrow()
                : "Unleash at " + config.unleash().orElseThrow().url() + ", its backup file or a bootstrap file";
    }

    /** Whether a usable flag state is applied: the router's readiness. */
    public boolean routable() {
        return state.get().routable();
    }

    public Status status() {
        FlagState s = state.get();
        Instant last = lastSync.get();
        Double age = last.equals(Instant.EPOCH)
                ? null
                : Duration.between(last, clock.instant()).toMillis() / 1000.0;
        return new Status(
                config.flagName(),
                s.loaded(),
                s.flagPresent(),
                s.origin(),
                s.revision(),
                s.loaded() ? s.appliedAt() : null,
                age);
    }

    /** The flag state as {@code /routing/tenants/{id}} shows it. */
    public record Status(
            String flag,
            boolean loaded,
            boolean flagPresent,
            String origin,
            String revision,
            Instant appliedAt,
            Double ageSeconds) {}

    /**
     * Applies a validated document: a new engine takes it, the previous state becomes the flip-back reference, and the
     * decision cache starts empty. A document in which the routing flag did not change (other flags did, or the same
     * document came again) keeps the current state and its warm cache.
     */
    private void apply(String origin, String json, Instant confirmedAt) {
        if (json == null) {
            return;
        }
        FlagState current = state.get();
        String definition = ClientFeatures.flagDefinition(json, config.flagName());
        boolean present = definition != null;
        String digest = present ? ClientFeatures.digest(definition) : "";
        if (confirmedAt != null) {
            lastSync.set(confirmedAt);
        }
        if (current.loaded() && digest.equals(current.digest()) && present == current.flagPresent()) {
            return;
        }
        UnleashEngine engine = new UnleashEngine();
        try {
            engine.takeState(json);
        } catch (YggdrasilInvalidInputException | RuntimeException e) {
            LOG.error(
                    "The Unleash engine refused the flag state from {}; keeping the last good state: {}",
                    origin,
                    e.getMessage());
            rejected("invalid");
            return;
        }
        String revision = ClientFeatures.revision(json);
        FlagState next =
                FlagState.applied(origin, revision, digest, present, clock.instant(), config.cacheMaxTenants(), engine);
        if (current.routable()) {
            guard.advance(current.engine(), current.revision());
        }
        boundaries.schedule(json);
        FlagState previous = state.getAndSet(next);
        if (present) {
            recheckActiveTenants(previous, next);
        }
        events.flagsApplied(origin);
        if (!present) {
            LOG.error(
                    "Flag state from {} (revision {}) has no flag '{}': every request gets 503 routing_unknown"
                            + " until it does",
                    origin,
                    revision,
                    config.flagName());
        } else if (!previous.routable()) {
            LOG.info(
                    "Flag state from {} (revision {}) applied; routing by flag '{}'",
                    origin,
                    revision,
                    config.flagName());
        } else {
            LOG.info(
                    "Flag state from {} (revision {}) applied; flag '{}' changed", origin, revision, config.flagName());
        }
    }

    /**
     * Tenants that were on new under the previous state and active recently are checked against the new state at
     * once, so that a flip-back is reported when the flag changes, not only at the tenant's next request.
     */
    private void recheckActiveTenants(FlagState previous, FlagState next) {
        previous.decisions().asMap().forEach((tenant, decision) -> {
            if (decision.backend() == Backend.NEW) {
                next.decisions().put(tenant, evaluate(next, decision.tenant()));
            }
        });
    }

    /** A scheduled switch time passed: same state, fresh decisions. */
    private void refreshCache() {
        FlagState s = state.get();
        if (s.loaded()) {
            state.compareAndSet(s, s.withFreshCache(config.cacheMaxTenants()));
            LOG.info("A scheduled switch time in revision {} passed; decisions are made afresh", s.revision());
        }
    }

    private void synced() {
        lastSync.set(clock.instant());
    }

    private void rejected(String reason) {
        events.flagsRejected(reason);
    }

    private static String message(UnleashException e) {
        return e.getCause() == null
                ? e.getMessage()
                : e.getMessage() + ": " + e.getCause().getMessage();
    }

    @Override
    public void close() {
        // The SDK and its thread first, so that no flag state arrives while the rest closes.
        unleash.shutdown();
        executor.stop(Duration.ofSeconds(5));
        boundaries.close();
        guard.close();
    }

    /** SDK events, on the SDK's own thread, in order. Fetched documents were validated by the fetcher. */
    private final class Subscriber implements UnleashSubscriber {
        private final String origin = config.source() == FlagsConfig.Source.FILE ? "file" : "unleash";
        private boolean backupErrorLogged;

        @Override
        public void togglesFetched(ClientFeaturesResponse response) {
            switch (response.getStatus()) {
                case CHANGED -> apply(origin, response.getClientFeatures().orElse(null), clock.instant());
                case NOT_CHANGED -> synced();
                default -> {
                    if (config.source() == FlagsConfig.Source.UNLEASH) {
                        events.fetchFailed();
                    }
                }
            }
        }

        @Override
        public void featuresBackupRestored(FeatureSet features) {
            String json = readQuietly(backupFile);
            if (json == null || !problems(json).isEmpty()) {
                LOG.error("Flag backup {} cannot be used", backupFile);
                rejected("invalid_backup");
                return;
            }
            Instant written = Instant.ofEpochMilli(backupFile.toFile().lastModified());
            apply("backup", json, written);
        }

        @Override
        public void onError(UnleashException error) {
            if (error.getMessage() != null && error.getMessage().contains("unable to backup")) {
                if (!backupErrorLogged) {
                    backupErrorLogged = true;
                    LOG.error(
                            "Cannot write the flag backup {}: a restart while Unleash is down would have no state to"
                                    + " route from ({})",
                            backupFile,
                            message(error));
                }
                return;
            }
            // The SDK reports registration and usage-metrics failures here too; only failed fetches count.
            String text = error.getMessage() == null ? "" : error.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (config.source() == FlagsConfig.Source.UNLEASH && text.contains("fetch toggles")) {
                events.fetchFailed();
            }
        }
    }
}
