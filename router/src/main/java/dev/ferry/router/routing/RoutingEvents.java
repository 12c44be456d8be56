package dev.ferry.router.routing;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.routing.RoutingDecision.Reason;
import java.util.List;

/**
 * What the routing step reports as it works; the metrics implement it (this package does not know how it is
 * counted). Called on event loops ({@link #decided}, {@link #cacheLookup}) and on the SDK's thread (the rest): cheap
 * and non-blocking.
 */
public interface RoutingEvents {
    /**
     * A decision was handed to a request.
     *
     * @param rule the rule it is counted under ({@link RoutingDecision#countedRule()}), or null
     */
    void decided(Backend backend, Reason reason, String rule);

    void cacheLookup(boolean hit);

    /**
     * A flag state was applied, from {@code origin} (server, backup, bootstrap, file).
     *
     * @param revision the document's revision
     * @param routingTable a short digest of the routing flag's definition ({@code none} without it): replicas with the
     *     same routing table route every tenant alike
     * @param rules what each rule of the routing flag intends, in order (empty without the flag, or while it is off)
     */
    void flagsApplied(String origin, String revision, String routingTable, List<RuleIntent> rules);

    /** A flag document was refused as invalid; the last good state stays. */
    void flagsRejected(String reason);

    /** Fetching the flag state failed (server unreachable, error status). */
    void fetchFailed();

    /** The flag tried to send a tenant back to legacy without the deliberate marker; it stays on new. */
    void flipBackRefused();
}
