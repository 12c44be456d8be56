package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;
import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where routing flags come from.
 *
 * @param flagName the Unleash flag that sends a tenant to new when enabled for it
 * @param source a local file or an Unleash server
 * @param file the client-features file ({@link Source#FILE})
 * @param unleash the server ({@link Source#UNLEASH})
 * @param cacheMaxTenants decisions kept in memory
 * @param heldFile where tenants held on new against the flag are kept
 */
public record FlagsConfig(
        String flagName,
        Source source,
        Optional<Path> file,
        Optional<UnleashServer> unleash,
        int cacheMaxTenants,
        Path heldFile) {

    /** With the held-tenants file at its default place. */
    public FlagsConfig(
            String flagName, Source source, Optional<Path> file, Optional<UnleashServer> unleash, int cacheMaxTenants) {
        this(flagName, source, file, unleash, cacheMaxTenants, Path.of(ConfigKey.FLAGS_HELD_FILE.defaultValue()));
    }

    public FlagsConfig {
        require(
                flagName.matches("[A-Za-z0-9._~-]{1,100}"),
                "flags.flag-name: '%s' (expected: an Unleash flag name, 1-100 of A-Z a-z 0-9 . _ ~ -)",
                flagName);
        requireNonNull(source, "source");
        require(
                source != Source.FILE || file.isPresent(),
                "flags.file: empty (expected: a file when flags.source is file)");
        require(
                source != Source.UNLEASH || unleash.isPresent(),
                "flags.unleash.url: empty (expected: a URL when flags.source is unleash)");
        require(cacheMaxTenants > 0, "flags.cache.max-tenants: %s (expected: > 0)", cacheMaxTenants);
        requireNonNull(heldFile, "heldFile");
    }

    public enum Source {
        FILE,
        UNLEASH
    }

    /** An Unleash server polled by the Java SDK. */
    public record UnleashServer(
            URI url,
            String token,
            String appName,
            Duration refreshInterval,
            Path backupFile,
            Optional<Path> bootstrapFile) {
        public UnleashServer {
            requireNonNull(url, "url");
            require(!token.isBlank(), "flags.unleash.token: empty (expected: an Unleash client token)");
            require(!appName.isBlank(), "flags.unleash.app-name: empty (expected: a name)");
            require(
                    refreshInterval.toSeconds() >= 1 && refreshInterval.toMillis() % 1000 == 0,
                    "flags.unleash.refresh-interval: %s (expected: whole seconds, 1s or more)",
                    Durations.format(refreshInterval));
            requireNonNull(backupFile, "backupFile");
            requireNonNull(bootstrapFile, "bootstrapFile");
        }

        @Override
        public String toString() {
            return "UnleashServer[url=" + url + ", token=***, appName=" + appName + "]";
        }
    }
}
