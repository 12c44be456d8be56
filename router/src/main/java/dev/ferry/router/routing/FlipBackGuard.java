package dev.ferry.router.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import io.getunleash.engine.UnleashEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No implicit flip-back. Data is replicated one way only, from legacy to new: a tenant sent back to legacy without
 * meaning it loses what it wrote on new. So when the flag says legacy for a tenant that the previous flag state sent
 * to new, and the rule that says so is not a deliberate move back (the marker), Ferry keeps the tenant on new, says so
 * (an error log line, {@code ferry_routing_flip_backs_refused_total}, the reason {@code flip_back_refused} in
 * {@code /routing/tenants/{id}}), and holds it there until the flag sends it to new again or marks the move back as
 * deliberate. Held tenants are kept in a file, so a restart does not release them.
 */
final class FlipBackGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlipBackGuard.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String flagName;
    private final Path heldFile;
    private final Clock clock;
    private final Map<String, Hold> held = new ConcurrentHashMap<>();
    private final RoutingEvents events;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferry-held-tenants");
        t.setDaemon(true);
        return t;
    });
    private volatile Reference reference = new Reference(null, "none");

    /** Why a tenant is held on new: it was there in {@code revision}, and is held {@code since}. */
    record Hold(String revision, Instant since) {}

    private record Reference(UnleashEngine engine, String revision) {}

    FlipBackGuard(String flagName, Path heldFile, RoutingEvents events, Clock clock) {
        this.flagName = flagName;
        this.heldFile = heldFile;
        this.clock = clock;
        this.events = events;
        prepare();
        load();
    }

    int heldCount() {
        return held.size();
    }

    private void prepare() {
        try {
            Path dir = heldFile.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("directory " + dir + " is not writable");
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "flags.held-file: '" + heldFile + "' cannot be written (expected: a"
                            + " writable path; it keeps tenants held on new across restarts): " + e.getMessage(),
                    e);
        }
    }

    /**
     * The previous flag state becomes the reference: what "was on new" means for the next decisions.
     *
     * @param engine the previous state's engine
     */
    void advance(UnleashEngine engine, String revision) {
        reference = new Reference(engine, revision);
    }

    /**
     * Checks a fresh decision against the tenant's past. Runs on an event loop on a cache miss: in memory only; a
     * new hold is written to disk by another thread.
     */
    RoutingDecision check(RoutingDecision decision) {
        TenantId tenant = decision.tenant();
        if (decision.backend() == Backend.NEW || decision.reason() == Reason.MOVED_BACK) {
            if (held.remove(tenant.value()) != null) {
                LOG.info(
                        "Tenant {} is no longer held on new: the flag now says {} ({})",
                        tenant,
                        decision.backend().tag(),
                        decision.reason().tag());
                persist();
            }
            return decision;
        }
        Hold hold = held.get(tenant.value());
        if (hold == null && wasOnNew(tenant)) {
            hold = new Hold(reference.revision(), clock.instant());
            if (held.putIfAbsent(tenant.value(), hold) == null) {
                events.flipBackRefused();
                LOG.error(
                        "Refused to send tenant {} back to legacy: the flag says {} ({}) but revision {} had it"
                                + " on new, and the move back is not marked deliberate. It stays on new. To move it back,"
                                + " mark the move deliberate (docs/flag-model.md).",
                        tenant,
                        decision.reason().tag(),
                        decision.rule() == null ? "no rule matches" : "rule " + decision.rule(),
                        hold.revision());
                persist();
            }
        }
        return hold == null
                ? decision
                : new RoutingDecision(tenant, Backend.NEW, Reason.FLIP_BACK_REFUSED, "held since " + hold.since());
    }

    private boolean wasOnNew(TenantId tenant) {
        UnleashEngine engine = reference.engine();
        return engine != null
                && UnleashRoutingPolicy.evaluate(engine, flagName, tenant, clock.instant())
                                .backend()
                        == Backend.NEW;
    }

    /** Whether a tenant is held on new, and since when. */
    Hold hold(TenantId tenant) {
        return held.get(tenant.value());
    }

    private void persist() {
        writer.execute(this::write);
    }

    private void write() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode tenants = root.putObject("tenants");
        held.forEach((tenant, hold) -> tenants.putObject(tenant)
                .put("revision", hold.revision())
                .put("since", hold.since().toString()));
        try {
            Files.createDirectories(heldFile.toAbsolutePath().getParent());
            Path tmp = heldFile.resolveSibling(heldFile.getFileName() + ".tmp");
            Files.writeString(
                    tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root), StandardCharsets.UTF_8);
            Files.move(tmp, heldFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("Cannot save the tenants held on new to {}: {}", heldFile, e.getMessage());
        }
    }

    private void load() {
        if (!Files.exists(heldFile)) {
            return;
        }
        try {
            JsonNode tenants = JSON.readTree(heldFile.toFile()).path("tenants");
            for (Iterator<Map.Entry<String, JsonNode>> it = tenants.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                held.put(
                        e.getKey(),
                        new Hold(
                                e.getValue().path("revision").asText("unknown"),
                                Instant.parse(e.getValue().path("since").asText(Instant.EPOCH.toString()))));
            }
            if (!held.isEmpty()) {
                LOG.warn(
                        "{} tenant(s) held on new against the flag, from {}: {}", held.size(), heldFile, held.keySet());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "flags.held-file: '" + heldFile + "' cannot be read (expected: the JSON"
                            + " Ferry writes; it lists tenants held on new, so it is not ignored): " + e.getMessage(),
                    e);
        }
    }

    @Override
    public void close() {
        // The last write of the held tenants finishes before the router stops, so that a restart reads it.
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("The held-tenants file {} was still being written at shutdown", heldFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
