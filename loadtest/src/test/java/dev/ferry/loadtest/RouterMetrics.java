package dev.ferry.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a router's {@code /metrics} (Prometheus text): each series by its full name with labels, such as
 * {@code ferry_shadow_dropped_total{reason="rate",}}, and its value.
 */
record RouterMetrics(Map<String, Double> series) {
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static RouterMetrics scrape(String adminUrl) {
        URI uri = URI.create(adminUrl + "/metrics");
        try {
            HttpResponse<String> response = CLIENT.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + response.statusCode() + " (expected: 200)");
            }
            return parse(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read " + uri + " (expected: the router's admin port at ferry.adminUrl): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + uri, e);
        }
    }

    static RouterMetrics parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> {
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        });
        return new RouterMetrics(series);
    }

    /** Every series of a metric added up; 0 when it has none. */
    double sum(String name) {
        return byLabel(name, null).values().stream()
                .mapToDouble(Double::doubleValue)
                .sum();
    }

    /** A metric's series by the value of one label (all of them under "" when {@code label} is null). */
    Map<String, Double> byLabel(String name, String label) {
        Map<String, Double> out = new TreeMap<>();
        series.forEach((key, value) -> {
            int brace = key.indexOf('{');
            if (!(brace < 0 ? key : key.substring(0, brace)).equals(name)) {
                return;
            }
            String at = "";
            if (label != null && brace >= 0) {
                Matcher m = LABEL.matcher(key.substring(brace));
                while (m.find()) {
                    if (m.group(1).equals(label)) {
                        at = m.group(2);
                    }
                }
            }
            out.merge(at, value, Double::sum);
        });
        return out;
    }

    /** This scrape's counters minus an earlier one's, per label value. */
    Map<String, Long> since(RouterMetrics earlier, String name, String label) {
        Map<String, Double> before = earlier.byLabel(name, label);
        Map<String, Long> out = new TreeMap<>();
        byLabel(name, label).forEach((at, value) -> out.put(at, Math.round(value - before.getOrDefault(at, 0.0))));
        return out;
    }
}
