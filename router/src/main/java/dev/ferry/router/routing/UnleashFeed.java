package dev.ferry.router.routing;

import dev.ferry.router.config.FlagsConfig;
import io.getunleash.DefaultUnleash;
import io.getunleash.UnleashException;
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
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings flag states from their source through the Unleash SDK: the server (with its backup and bootstrap files) or a
 * local flags file, each document validated before it is handed on. Everything it hands on arrives on the SDK's own
 * thread, in order. With {@link UnleashRoutingPolicy}, the only code that talks to Unleash.
 */
final class UnleashFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnleashFeed.class);

    /** Where validated flag states go. */
    interface Sink {
        /** A document to apply, from {@code origin}; {@code confirmedAt} is when its source last confirmed it. */
        void apply(String origin, String json, Instant confirmedAt);

        /** The source confirmed the state in force (nothing changed). */
        void synced();

        void rejected(String reason);

        void fetchFailed();

        /** Whether any flag state was applied yet. */
        boolean loaded();
    }

    private final FlagsConfig config;
    private final Clock clock;
    private final Sink sink;
    private final SdkExecutor executor = new SdkExecutor();
    private final Path backupFile;
    private final DefaultUnleash unleash;
    private volatile boolean bootstrapRead;

    UnleashFeed(FlagsConfig config, Clock clock, Sink sink) {
        this.config = config;
        this.clock = clock;
        this.sink = sink;
        this.backupFile = config.source() == FlagsConfig.Source.FILE
                ? privateBackupFile()
                : config.unleash().orElseThrow().backupFile();
        this.unleash = new DefaultUnleash(unleashConfig());
        if (bootstrapRead) {
            // Events run in order on the SDK's single event thread: a state fetched during start-up is applied
            // first, and the bootstrap only when nothing else was.
            executor.scheduleOnce(() -> {
                if (!sink.loaded()) {
                    String json = readQuietly(
                            config.unleash().orElseThrow().bootstrapFile().orElseThrow());
                    sink.apply("bootstrap", json, null);
                }
            });
        }
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
                            c -> new FlagsFileFetcher(file, this::problems, sink::rejected, sink::synced))
                    .build();
        }
        FlagsConfig.UnleashServer server = config.unleash().orElseThrow();
        prepareBackupFile(server.backupFile());
        server.bootstrapFile().ifPresent(f -> b.toggleBootstrapProvider(() -> readBootstrap(f)));
        return b.appName(server.appName())
                .unleashFeatureFetcherFactory(
                        c -> new ValidatingFetcher(new HttpFeatureFetcher(c), this::problems, sink::rejected))
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
                    sink.rejected("invalid_backup");
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
            sink.rejected("invalid_bootstrap");
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

    private static String message(UnleashException e) {
        return e.getCause() == null
                ? e.getMessage()
                : e.getMessage() + ": " + e.getCause().getMessage();
    }

    /** Stops the SDK and its thread, so that no flag state arrives after this returns. */
    @Override
    public void close() {
        unleash.shutdown();
        executor.stop(Duration.ofSeconds(5));
    }

    /** SDK events, on the SDK's own thread, in order. Fetched documents were validated by the fetcher. */
    private final class Subscriber implements UnleashSubscriber {
        private final String origin = config.source() == FlagsConfig.Source.FILE ? "file" : "unleash";
        private boolean backupErrorLogged;

        @Override
        public void togglesFetched(ClientFeaturesResponse response) {
            switch (response.getStatus()) {
                case CHANGED -> sink.apply(origin, response.getClientFeatures().orElse(null), clock.instant());
                case NOT_CHANGED -> sink.synced();
                default -> {
                    if (config.source() == FlagsConfig.Source.UNLEASH) {
                        sink.fetchFailed();
                    }
                }
            }
        }

        @Override
        public void featuresBackupRestored(FeatureSet features) {
            String json = readQuietly(backupFile);
            if (json == null || !problems(json).isEmpty()) {
                LOG.error("Flag backup {} cannot be used", backupFile);
                sink.rejected("invalid_backup");
                return;
            }
            Instant written = Instant.ofEpochMilli(backupFile.toFile().lastModified());
            sink.apply("backup", json, written);
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
                sink.fetchFailed();
            }
        }
    }
}
