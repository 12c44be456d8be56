package dev.ferry.router.demo;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The small middleware counter a team adds to the legacy backend to see traffic that does not come through Ferry:
 * every request legacy serves is counted as {@code via="ferry"} when Ferry forwarded it, else {@code via="direct"}
 * (hard-coded endpoints, old DNS names, scheduled jobs). Ferry's mark is its entry in the {@code Via} header
 * (RFC 9110 §7.6.3), which it appends to every request it forwards: {@code Via: 1.1 ferry}, or {@code 2 ferry} for a
 * request that came in over HTTP/2; entries of proxies before it come first.
 *
 * <pre>
 *   # TYPE legacy_requests_total counter
 *   legacy_requests_total{via="ferry"} 41
 *   legacy_requests_total{via="direct"} 2
 * </pre>
 *
 * The scrape of the counter itself is not counted: it would show up as bypass traffic.
 */
public final class BypassCounter {
    /** Ferry's pseudonym in {@code Via}, as {@code forwarding/ProxyHeaders} writes it. */
    static final String FERRY = "ferry";

    private final AtomicLong viaFerry = new AtomicLong();
    private final AtomicLong direct = new AtomicLong();

    /** Counts one request legacy serves, by its {@code Via} header values (none: an empty list). */
    public void served(List<String> via) {
        (forwardedByFerry(via) ? viaFerry : direct).incrementAndGet();
    }

    /**
     * Whether one of the {@code Via} entries is Ferry's: {@code protocol received-by [comment]}, received-by being
     * {@code ferry}.
     */
    public static boolean forwardedByFerry(List<String> via) {
        for (String value : via) {
            for (String entry : value.split(",")) {
                String[] parts = entry.trim().split("\\s+");
                if (parts.length >= 2 && parts[1].toLowerCase(Locale.ROOT).equals(FERRY)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The counter in Prometheus' text format. */
    public String exposition() {
        return "# HELP legacy_requests_total Requests the legacy backend served: via=\"ferry\" forwarded by Ferry"
                + " (its Via entry), via=\"direct\" not\n"
                + "# TYPE legacy_requests_total counter\n"
                + "legacy_requests_total{via=\"ferry\"} " + viaFerry.get() + "\n"
                + "legacy_requests_total{via=\"direct\"} " + direct.get() + "\n";
    }
}
