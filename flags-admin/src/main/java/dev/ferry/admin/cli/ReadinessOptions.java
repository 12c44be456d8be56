package dev.ferry.admin.cli;

import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.ShadowReader;
import java.net.URI;
import java.util.List;
import picocli.CommandLine.Option;

/** The readiness gate of a move to new: required for every tenant or not, forced past or not. */
final class ReadinessOptions {
    @Option(
            names = "--require-readiness",
            defaultValue = "${env:FLAGS_ADMIN_REQUIRE_READINESS:-false}",
            description = "refuse a move to new of a tenant that is not shadowed too (no evidence is not readiness);"
                    + " by default only a note (env FLAGS_ADMIN_REQUIRE_READINESS=true)")
    boolean require;

    @Option(
            names = "--force-unready",
            description = "move shadowed tenants to new although their readiness is below the bar or unknown (needs"
                    + " --reason); the history records that the move was forced past readiness and which gates failed")
    boolean force;

    ReadinessGate gate(RouterOptions replicas, List<String> fallback, String shadowFlag) {
        List<URI> routers = replicas.any()
                ? replicas.urls()
                : fallback.stream().anyMatch(r -> !r.isBlank())
                        ? FleetCommand.parse(fallback, "--wait-for-fleet")
                        : List.of();
        return new ReadinessGate(new ShadowReader(replicas.timeout()), routers, shadowFlag, require);
    }
}
