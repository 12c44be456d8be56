package dev.ferry.admin.cli;

import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.tenants.BadInputException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "fleet",
        mixinStandardHelpOptions = true,
        description = "Asks every router replica given (its admin port) which flag state it routes by and says whether"
                + " the fleet agrees: one routing table on every replica, all ready. Exit 0 when it does, 1 when"
                + " replicas disagree or one is not ready, 3 when one cannot be reached.")
final class FleetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--router",
            paramLabel = "URL",
            split = ",",
            defaultValue = "${env:FLAGS_ADMIN_ROUTERS}",
            description = "a replica's admin URL, e.g. http://10.0.0.7:9901; repeat it, or separate URLs with commas"
                    + " (env FLAGS_ADMIN_ROUTERS)")
    List<String> routers = new ArrayList<>();

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "3",
            description = "how long to wait for each replica (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    private final FlagsAdmin root;

    FleetCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        List<URI> urls = parse(routers, "--router");
        if (timeoutSeconds < 1 || timeoutSeconds > 60) {
            throw new BadInputException("--timeout: " + timeoutSeconds + " (expected: 1 to 60 seconds)");
        }
        FleetCheck.Verdict verdict = new FleetCheck(Duration.ofSeconds(timeoutSeconds)).check(urls);
        root.output(spec).fleet(verdict);
        if (!verdict.unreachable().isEmpty()) {
            return ExitCode.UNAVAILABLE;
        }
        return verdict.agrees() ? ExitCode.OK : ExitCode.REFUSED;
    }

    /** One line on a fleet that does not agree: the routing tables and who holds them, or who did not answer. */
    static String summary(FleetCheck.Verdict verdict) {
        List<String> parts = new ArrayList<>();
        verdict.tables().forEach((table, at) -> parts.add(table + " on " + at));
        verdict.unreachable().forEach(r -> parts.add(r.router() + " did not answer"));
        verdict.replicas().stream()
                .filter(r -> r.reachable() && !r.ready())
                .forEach(r -> parts.add(r.router() + " is not ready"));
        return String.join("; ", parts);
    }

    /**
     * Replicas' admin URLs as an operator gave them.
     *
     * @param option the option they came with, for messages
     */
    static List<URI> parse(List<String> routers, String option) {
        List<URI> urls = new ArrayList<>();
        for (String raw : routers == null ? List.<String>of() : routers) {
            String trimmed = raw.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            URI url;
            try {
                url = URI.create(trimmed);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(option + ": '" + trimmed + "' is not a URL (expected: http://HOST:PORT)");
            }
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                    || url.getHost() == null) {
                throw new BadInputException(option + ": '" + trimmed
                        + "' is not an http(s) URL (expected: http://HOST:PORT, a replica's" + " admin port)");
            }
            urls.add(url);
        }
        if (urls.isEmpty()) {
            throw new BadInputException(
                    "--router".equals(option)
                            ? "name the replicas with --router URL (one per replica, or FLAGS_ADMIN_ROUTERS=URL,URL)"
                            : option + " names no replica (expected: their admin URLs, e.g. http://10.0.0.7:9901)");
        }
        return urls;
    }
}
