package dev.ferry.loadtest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HAProxy's counters per replica, from its runtime API's {@code show stat} (CSV, first line the field names), as
 * {@code fleet.sh lbstats} prints them. Only the servers of the {@code routers} backend: the replicas.
 */
record LoadBalancerStats(Map<String, Map<String, Long>> servers) {
    /** The counters a restart proof reads: sessions, errors and what HAProxy did about them. */
    static final List<String> FIELDS = List.of("stot", "econ", "eresp", "wretr", "wredis", "hrsp_5xx", "srv_abrt");

    static LoadBalancerStats parse(String csv) {
        String[] lines = csv.strip().split("\n");
        if (lines.length == 0 || !lines[0].startsWith("# ")) {
            throw new IllegalArgumentException("not HAProxy's 'show stat' (expected a '# pxname,...' header): " + csv);
        }
        List<String> names = List.of(lines[0].substring(2).split(",", -1));
        Map<String, Map<String, Long>> servers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] values = lines[i].split(",", -1);
            if (values.length < names.size() || !values[0].equals("routers") || values[1].equals("BACKEND")) {
                continue;
            }
            Map<String, Long> counters = new HashMap<>();
            for (String field : FIELDS) {
                String value = values[names.indexOf(field)];
                counters.put(field, value.isEmpty() ? 0 : Long.parseLong(value));
            }
            servers.put(values[1], counters);
        }
        return new LoadBalancerStats(servers);
    }

    /** What each counter grew by since {@code earlier}, per replica ({@code r1}, {@code r2}, ...). */
    Map<String, Map<String, Long>> since(LoadBalancerStats earlier) {
        Map<String, Map<String, Long>> delta = new java.util.TreeMap<>();
        servers.forEach((server, counters) -> {
            Map<String, Long> before = earlier.servers.getOrDefault(server, Map.of());
            Map<String, Long> grown = new java.util.TreeMap<>();
            counters.forEach((field, value) -> grown.put(field, value - before.getOrDefault(field, 0L)));
            delta.put(server, grown);
        });
        return delta;
    }
}
