package dev.ferry.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * The live split: requests per second the legacy and the new backend serve, as the router counts them ({@code
 * ferry_requests_seconds_count}, tag {@code backend}). Read either from a router's admin {@code /metrics} (two scrapes
 * make a rate) or from Prometheus's query API (the recording rule {@code backend:ferry_requests:rate5m} of
 * deploy/prometheus/rules.yml).
 */
public abstract class LiveSplit {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String COUNTER = "ferry_requests_seconds_count";
    static final String RECORDING_RULE = "backend:ferry_requests:rate5m";
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** What the console shows: {@code state} is ok, measuring, no-data, unreachable or not-configured. */
    abstract ObjectNode read();

    public static LiveSplit none() {
        return new LiveSplit() {
            @Override
            ObjectNode read() {
                return JSON.createObjectNode()
                        .put("configured", false)
                        .put("state", "not-configured")
                        .put(
                                "detail",
                                "no source of the live split (expected: flags-admin serve --router-metrics"
                                        + " http://127.0.0.1:9901/metrics, or --prometheus http://127.0.0.1:9090)");
            }
        };
    }

    public static LiveSplit routerMetrics(URI metrics, LongSupplier nanoTime) {
        return new RouterMetrics(metrics, nanoTime);
    }

    public static LiveSplit prometheus(URI base) {
        return new Prometheus(base);
    }

    /**
     * @throws IOException when it cannot be fetched, or answers other than 200
     */
    String get(URI uri, String accept) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Accept", accept)
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + uri);
        }
        return response.body();
    }

    static ObjectNode answer(String source, String state, String detail) {
        return JSON.createObjectNode()
                .put("configured", true)
                .put("source", source)
                .put("state", state)
                .put("detail", detail);
    }

    static ObjectNode rates(String source, double legacy, double fresh, double window) {
        double total = legacy + fresh;
        ObjectNode o = answer(
                source,
                "ok",
                total == 0 ? "no requests routed to either backend in the last " + Math.round(window) + " s" : null);
        o.put("legacyPerSecond", legacy).put("newPerSecond", fresh);
        if (total > 0) {
            o.put("newShare", fresh / total);
        } else {
            o.putNull("newShare");
        }
        o.put("windowSeconds", window);
        return o;
    }

    /** Scrapes a router's /metrics; the rate is the difference to the oldest scrape of the last 15 s. */
    static final class RouterMetrics extends LiveSplit {
        private static final long WINDOW = Duration.ofSeconds(15).toNanos();
        private static final long MIN_WINDOW = Duration.ofMillis(500).toNanos();

        private final URI uri;
        private final LongSupplier nanoTime;
        private final Deque<Sample> samples = new ArrayDeque<>();

        RouterMetrics(URI uri, LongSupplier nanoTime) {
            this.uri = uri;
            this.nanoTime = nanoTime;
        }

        private record Sample(long at, double legacy, double fresh) {}

        @Override
        ObjectNode read() {
            String source = "router metrics " + uri;
            double[] totals;
            try {
                totals = PrometheusText.requestsByBackend(get(uri, "text/plain"));
            } catch (IOException e) {
                return answer(
                        source,
                        "unreachable",
                        "cannot read " + uri + ": " + e.getMessage()
                                + " (expected: a router's admin /metrics, e.g. http://127.0.0.1:9901/metrics)");
            } catch (IllegalArgumentException e) {
                return answer(source, "unreachable", uri + " is not a router's metrics: " + e.getMessage());
            }
            if (totals == null) {
                return answer(
                        source,
                        "no-data",
                        uri + " has no " + COUNTER + " yet: the router has routed no" + " request since it started");
            }
            synchronized (samples) {
                long now = nanoTime.getAsLong();
                Sample latest = new Sample(now, totals[0], totals[1]);
                Sample last = samples.peekLast();
                if (last != null && (latest.legacy() < last.legacy() || latest.fresh() < last.fresh())) {
                    samples.clear(); // the router restarted: its counters began again
                }
                while (!samples.isEmpty() && now - samples.peekFirst().at() > WINDOW) {
                    samples.pollFirst();
                }
                Sample base = null;
                for (Sample s : samples) {
                    if (now - s.at() >= MIN_WINDOW) {
                        base = s;
                        break;
                    }
                }
                if (last == null || now - last.at() >= MIN_WINDOW / 2) {
                    samples.addLast(latest);
                }
                if (base == null) {
                    return answer(source, "measuring", "first scrape of " + uri + " taken; the rate needs a second");
                }
                double seconds = (now - base.at()) / 1e9;
                ObjectNode o = rates(
                        source,
                        (latest.legacy() - base.legacy()) / seconds,
                        (latest.fresh() - base.fresh()) / seconds,
                        seconds);
                o.put("legacyTotal", latest.legacy()).put("newTotal", latest.fresh());
                return o;
            }
        }
    }

    /** Asks Prometheus for the recording rule {@value #RECORDING_RULE} (requests per second by backend, 5 min). */
    static final class Prometheus extends LiveSplit {
        private final URI query;
        private final URI base;

        Prometheus(URI base) {
            this.base = base;
            String root = base.toString().replaceAll("/+$", "");
            this.query = URI.create(
                    root + "/api/v1/query?query=" + URLEncoder.encode(RECORDING_RULE, StandardCharsets.UTF_8));
        }

        @Override
        ObjectNode read() {
            String source = "Prometheus " + base + " (" + RECORDING_RULE + ")";
            JsonNode body;
            try {
                body = JSON.readTree(get(query, "application/json"));
            } catch (IOException e) {
                return answer(
                        source,
                        "unreachable",
                        "cannot query " + query + ": " + e.getMessage()
                                + " (expected: Prometheus's base URL, e.g. http://127.0.0.1:9090)");
            }
            if (!"success".equals(body.path("status").asText())) {
                return answer(
                        source,
                        "unreachable",
                        "Prometheus answered " + body.path("status").asText("nothing") + ": "
                                + body.path("error").asText(""));
            }
            double legacy = 0;
            double fresh = 0;
            boolean any = false;
            for (JsonNode series : body.path("data").path("result")) {
                String backend = series.path("metric").path("backend").asText();
                double value = parse(series.path("value").path(1).asText("NaN"));
                if (Double.isNaN(value)) {
                    continue;
                }
                if (backend.equals("legacy")) {
                    legacy += value;
                    any = true;
                } else if (backend.equals("new")) {
                    fresh += value;
                    any = true;
                }
            }
            if (!any) {
                return answer(
                        source,
                        "no-data",
                        "Prometheus has no " + RECORDING_RULE + " for legacy or new"
                                + " (expected: the recording rules of deploy/prometheus/rules.yml loaded, and a router"
                                + " scraped)");
            }
            return rates(source, legacy, fresh, 300);
        }

        private static double parse(String raw) {
            try {
                return Double.parseDouble(raw);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }
}
