package dev.ferry.loadtest;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tenants weighted like real SaaS traffic: tenant {@code k} (1-based) gets a share proportional to {@code 1 / k^s}
 * (Zipf). With the default {@code s = 1} and 1,000 tenants the first tenant carries 13 % of the requests, the first 10
 * carry 39 % and the first 100 carry 69 %; the other 900 are the long tail. Safe to call from any thread.
 */
final class TenantMix {
    private final String[] ids;
    private final double[] cumulative;

    TenantMix(int tenants, double exponent) {
        if (tenants < 1 || exponent < 0) {
            throw new IllegalArgumentException(
                    "tenants: " + tenants + ", exponent: " + exponent + " (expected: tenants >= 1, exponent >= 0)");
        }
        ids = new String[tenants];
        cumulative = new double[tenants];
        double sum = 0;
        for (int k = 1; k <= tenants; k++) {
            ids[k - 1] = id(k);
            sum += 1 / Math.pow(k, exponent);
            cumulative[k - 1] = sum;
        }
    }

    /** {@code tenant-00001}, {@code tenant-00002}, ...: the ids every simulation sends in the tenant header. */
    static String id(int k) {
        return String.format(Locale.ROOT, "tenant-%05d", k);
    }

    /** One tenant, drawn by weight. */
    String next() {
        double total = cumulative[cumulative.length - 1];
        int at = Arrays.binarySearch(cumulative, ThreadLocalRandom.current().nextDouble() * total);
        return ids[at >= 0 ? at : -at - 1];
    }

    /** The share of all requests the first {@code top} tenants carry, from 0 to 1. */
    double share(int top) {
        return cumulative[Math.min(top, cumulative.length) - 1] / cumulative[cumulative.length - 1];
    }

    List<String> ids() {
        return List.of(ids);
    }
}
