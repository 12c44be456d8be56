package dev.ferry.router.testing;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Client-features documents (the body of {@code GET /api/client/features}) for tests. */
public final class FlagDocuments {
    public static final String FLAG = "route-tenant-to-new";

    private FlagDocuments() {}

    /** The routing flag, enabled exactly for these tenants. */
    public static String tenantsOnNew(String... tenants) {
        String values = Arrays.stream(tenants).map(t -> "\"" + t + "\"").collect(Collectors.joining(","));
        return """
                {"version":2,"features":[{"name":"%s","type":"release","enabled":true,"project":"default",
                 "stale":false,"impressionData":false,"variants":[],"strategies":[{"name":"flexibleRollout",
                 "constraints":[{"contextName":"tenantId","operator":"IN","values":[%s],"inverted":false,
                 "caseInsensitive":false}],"parameters":{"rollout":"100","stickiness":"tenantId","groupId":"%s"},
                 "variants":[]}]}],"meta":{"revisionId":%d}}
                """
                .formatted(FLAG, values, FLAG, Math.abs(values.hashCode() % 100000));
    }

    /** A valid document without the routing flag. */
    public static String withoutRoutingFlag() {
        return """
                {"version":2,"features":[{"name":"something-else","enabled":true,"strategies":[]}]}
                """;
    }
}
