package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.BadInputException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The router replicas a command asks (their admin ports), and how long it waits for each: one wording everywhere. */
final class RouterOptions {
    @Option(
            names = "--router",
            paramLabel = "URL",
            split = ",",
            defaultValue = "${env:FLAGS_ADMIN_ROUTERS}",
            description = "a router replica's admin URL, e.g. http://10.0.0.7:9901; repeat it, or separate URLs with"
                    + " commas (env FLAGS_ADMIN_ROUTERS)")
    List<String> routers = new ArrayList<>();

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "3",
            description = "how long to wait for each replica (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    /** The replicas given; none is bad input. */
    List<URI> urls() {
        return FleetCommand.parse(routers, "--router");
    }

    boolean any() {
        return routers != null && routers.stream().anyMatch(r -> !r.isBlank());
    }

    Duration timeout() {
        if (timeoutSeconds < 1 || timeoutSeconds > 60) {
            throw new BadInputException("--timeout: " + timeoutSeconds + " (expected: 1 to 60 seconds)");
        }
        return Duration.ofSeconds(timeoutSeconds);
    }
}
