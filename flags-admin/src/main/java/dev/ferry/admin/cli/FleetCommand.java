package dev.ferry.admin.cli;

import dev.ferry.admin.fleet.FleetCheck;
import dev.ferry.admin.tenants.BadInputException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

    @Mixin
    RouterOptions replicas = new RouterOptions();

    private final FlagsAdmin root;

    FleetCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        List<URI> urls = replicas.urls();
        FleetCheck.Verdict verdict = new FleetCheck(replicas.timeout()).check(urls);
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
