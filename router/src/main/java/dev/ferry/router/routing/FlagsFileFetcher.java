package dev.ferry.router.routing;

import io.getunleash.event.ClientFeaturesResponse;
import io.getunleash.repository.FeatureFetcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the SDK from a local client-features file instead of a server: the SDK polls it like a server (every second),
 * so a file source and a server source go through the same engine, events and decision cache. Runs on the SDK's own
 * thread, never on an event loop.
 *
 * <p>An unchanged file answers "not changed". A broken file answers "unavailable" (the SDK then keeps its last state),
 * is logged once per distinct content with every problem, and is reported to {@code onRejected}.
 */
final class FlagsFileFetcher implements FeatureFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(FlagsFileFetcher.class);
    /** A status the SDK's throttler does not back off on, so a fixed file is picked up on the next poll. */
    private static final int REJECTED = 400;

    private final Path file;
    private final Consumer<String> onRejected;
    private final Runnable onReadOk;
    private final Function<String, List<String>> validator;
    private String lastGoodDigest = "";
    private String lastRejectedDigest = "";

    FlagsFileFetcher(
            Path file, Function<String, List<String>> validator, Consumer<String> onRejected, Runnable onReadOk) {
        this.file = file;
        this.validator = validator;
        this.onRejected = onRejected;
        this.onReadOk = onReadOk;
    }

    @Override
    public synchronized ClientFeaturesResponse fetchFeatures() {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return reject(
                    "missing",
                    "missing",
                    "flags file " + file + " does not exist (expected: a client-features JSON file);"
                            + " routing continues with the last good state");
        } catch (IOException e) {
            return reject(
                    "unreadable",
                    "unreadable",
                    "flags file " + file + " cannot be read (" + e.getMessage() + ");"
                            + " routing continues with the last good state");
        }
        String digest = ClientFeatures.digest(json);
        if (digest.equals(lastGoodDigest)) {
            lastRejectedDigest = "";
            onReadOk.run();
            return ClientFeaturesResponse.notChanged();
        }
        if (digest.equals(lastRejectedDigest)) {
            return ClientFeaturesResponse.unavailable(REJECTED, Optional.empty());
        }
        List<String> problems = validator.apply(json);
        if (!problems.isEmpty()) {
            return reject(
                    "invalid",
                    digest,
                    "flags file " + file + " is not valid, keeping the last good state:\n  - "
                            + String.join("\n  - ", problems));
        }
        lastGoodDigest = digest;
        lastRejectedDigest = "";
        onReadOk.run();
        return ClientFeaturesResponse.updated(json);
    }

    /** Logs and counts a rejected file once per distinct content (or per kind of read failure), not every poll. */
    private ClientFeaturesResponse reject(String reason, String digest, String message) {
        if (!digest.equals(lastRejectedDigest)) {
            lastRejectedDigest = digest;
            LOG.error(message);
            onRejected.accept(reason);
        }
        return ClientFeaturesResponse.unavailable(REJECTED, Optional.empty());
    }
}
