package dev.ferry.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.tenants.Lead;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the backends' sequence log says about one fleet-wide move: for each moved tenant, whether legacy served any of
 * its requests after new served its first (a write one-way replication loses), and when the fleet switched it.
 *
 * @param movedTenants tenants moved in the wave
 * @param splitTenants moved tenants that legacy served after their first request on new (must be 0)
 * @param legacyAfterNew requests of moved tenants legacy served after the tenant's first on new (must be 0)
 * @param controlOnNew requests of tenants that did not move that new served (must be 0)
 * @param movedNeverOnNew moved tenants new never served (traffic ended too early, or the move did not happen)
 * @param requests requests of this run the backends served
 * @param firstNewAfterT the earliest and latest first request on new after T, over the moved tenants, in ms
 * @param lastLegacyBeforeT the latest request on legacy of a moved tenant, relative to T, in ms (negative: before T)
 */
record FleetProof(
        int movedTenants,
        int splitTenants,
        long legacyAfterNew,
        long controlOnNew,
        int movedNeverOnNew,
        long requests,
        double[] firstNewAfterT,
        double lastLegacyBeforeT,
        Instant written,
        Instant switchesAt) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HOLD = Pattern.compile(
            "(?m)^ferry_cutover_hold_seconds_(count|sum|max)\\{cause=\"(\\w+)\",outcome=\"(\\w+)\",?} (\\S+)$");

    /** Lines in the log now: a run reads only what comes after. */
    static long lines(Path log) {
        try (var stream = Files.lines(log, StandardCharsets.UTF_8)) {
            return stream.count();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sequence log " + log, e);
        }
    }

    static FleetProof read(
            Path log, long skip, List<String> moved, List<String> staying, Instant written, Instant switchesAt) {
        Set<String> movedSet = new HashSet<>(moved);
        Set<String> stayingSet = new HashSet<>(staying);
        Map<String, Long> firstNew = new HashMap<>();
        Map<String, Long> firstNewMicros = new HashMap<>();
        List<String[]> movedLegacy = new java.util.ArrayList<>();
        long requests = 0;
        long controlOnNew = 0;
        try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                if (n++ < skip) {
                    continue;
                }
                String[] f = line.split("\t");
                if (f.length < 6) {
                    continue;
                }
                String tenant = f[2];
                boolean isNew = "new".equals(f[1]);
                if (movedSet.contains(tenant)) {
                    requests++;
                    if (isNew) {
                        long seq = Long.parseLong(f[0]);
                        firstNew.merge(tenant, seq, Math::min);
                        firstNewMicros.merge(tenant, Long.parseLong(f[5]), Math::min);
                    } else {
                        movedLegacy.add(f);
                    }
                } else if (stayingSet.contains(tenant)) {
                    requests++;
                    if (isNew) {
                        controlOnNew++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sequence log " + log, e);
        }
        Set<String> split = new HashSet<>();
        long legacyAfterNew = 0;
        long lastLegacyMicros = Long.MIN_VALUE;
        for (String[] f : movedLegacy) {
            Long first = firstNew.get(f[2]);
            if (first != null && Long.parseLong(f[0]) > first) {
                legacyAfterNew++;
                split.add(f[2]);
            }
            lastLegacyMicros = Math.max(lastLegacyMicros, Long.parseLong(f[5]));
        }
        long t = switchesAt == null ? 0 : switchesAt.toEpochMilli() * 1000;
        double earliest =
                firstNewMicros.values().stream().mapToLong(m -> m - t).min().orElse(0) / 1000.0;
        double latest =
                firstNewMicros.values().stream().mapToLong(m -> m - t).max().orElse(0) / 1000.0;
        return new FleetProof(
                moved.size(),
                split.size(),
                legacyAfterNew,
                controlOnNew,
                moved.size() - firstNew.size(),
                requests,
                new double[] {earliest, latest},
                lastLegacyMicros == Long.MIN_VALUE ? Double.NaN : (lastLegacyMicros - t) / 1000.0,
                written,
                switchesAt);
    }

    boolean passed() {
        return splitTenants == 0 && legacyAfterNew == 0 && controlOnNew == 0 && movedNeverOnNew == 0;
    }

    String summary() {
        return String.format(
                Locale.ROOT,
                "fleet proof %s: %d tenants moved at %s (written %s); %d requests served; moved tenants served by"
                        + " legacy after their first on new: %d (%d tenants); others on new: %d; never on new: %d;"
                        + " first request on new %.0f..%.0f ms after T; last on legacy %.0f ms after T",
                passed() ? "PASSED" : "FAILED",
                movedTenants,
                switchesAt,
                written,
                requests,
                legacyAfterNew,
                splitTenants,
                controlOnNew,
                movedNeverOnNew,
                firstNewAfterT[0],
                firstNewAfterT[1],
                lastLegacyBeforeT);
    }

    /** The figures, with each replica's holds (count, mean, longest) from its /metrics, as JSON. */
    void write(Path file, List<URI> routers, int cut, Lead lead) {
        ObjectNode o = JSON.createObjectNode();
        o.put("passed", passed())
                .put("movedTenants", movedTenants)
                .put("splitTenants", splitTenants)
                .put("legacyAfterNew", legacyAfterNew)
                .put("controlOnNew", controlOnNew)
                .put("movedNeverOnNew", movedNeverOnNew)
                .put("requests", requests)
                .put("written", String.valueOf(written))
                .put("switchesAt", String.valueOf(switchesAt))
                .put("lead", lead.describe())
                .put("firstNewAfterTMillisMin", firstNewAfterT[0])
                .put("firstNewAfterTMillisMax", firstNewAfterT[1])
                .put("lastLegacyAfterTMillis", lastLegacyBeforeT)
                .put("cutReplica", cut);
        ObjectNode holds = o.putObject("holds");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        for (URI router : routers) {
            ObjectNode replica = holds.putObject(router.toString());
            try {
                String metrics = http.send(
                                HttpRequest.newBuilder(router.resolve("/metrics"))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                Matcher m = HOLD.matcher(metrics);
                while (m.find()) {
                    replica.put(m.group(2) + "." + m.group(3) + "." + m.group(1), Double.parseDouble(m.group(4)));
                }
            } catch (IOException e) {
                replica.put("error", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Runs fleet.sh with arguments (cut, restore) on the fleet in {@code dir}, bounded to 30 s. */
    static void fleet(Path script, Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().put("FLEET_DIR", dir.toAbsolutePath().toString());
            Process p = builder.start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return summary();
    }
}
