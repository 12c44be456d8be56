package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One JSON line per request, written by a thread of its own ({@code docs/observability.md}).
 *
 * @param enabled whether requests are logged at all; off by default: a busy replica writes tens of thousands of lines
 *     a second, which wants a place to go that someone chose
 * @param sample the share of requests logged, from 0 to 1 (1: every one)
 * @param file where lines are appended, or empty for standard output
 * @param queueSize records waiting for the writer, at most; past it a record is dropped and counted, never waited for
 */
public record AccessLogConfig(boolean enabled, double sample, Optional<Path> file, int queueSize) {
    public AccessLogConfig {
        requireNonNull(file, "file");
        require(
                sample >= 0 && sample <= 1,
                "access-log.sample: %s (expected: a number from 0 to 1, such as 0.01 for one request in a hundred)",
                sample);
        require(queueSize > 0, "access-log.queue-size: %s (expected: > 0)", queueSize);
    }

    /** Off: nothing is logged, nothing is started. */
    public static AccessLogConfig off() {
        return new AccessLogConfig(false, 1, Optional.empty(), 1);
    }
}
