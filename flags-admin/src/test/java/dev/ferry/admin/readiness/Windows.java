package dev.ferry.admin.readiness;

import dev.ferry.router.shadow.DiffVerdict;
import dev.ferry.router.shadow.Field;
import dev.ferry.router.shadow.FieldCount;
import dev.ferry.router.shadow.Route;
import dev.ferry.router.shadow.TenantWindow;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Windows as a replica's tally would hold them: matched and different GETs of one route, latencies of 10 ms each. */
final class Windows {
    static final Route ORDERS = Route.parse("GET /orders");

    private Windows() {}

    static TenantWindow of(long matched, long different) {
        long compared = matched + different;
        long[] latencies = new long[(int) Math.min(compared, 100)];
        Arrays.fill(latencies, 10_000_000L);
        return new TenantWindow(
                Map.of(DiffVerdict.MATCH, matched, DiffVerdict.DIFFERENT, different),
                Map.of(ORDERS, compared),
                Map.of(ORDERS, compared),
                0,
                compared,
                0,
                0,
                latencies,
                latencies,
                different == 0
                        ? Map.of()
                        : Map.of(ORDERS, List.of(new FieldCount(new Field(Field.Part.BODY, "$.total"), different))));
    }
}
