package dev.ferry.admin.console;

/** Just enough of the Prometheus text format to add up the router's request counters by backend. */
final class PrometheusText {
    private PrometheusText() {}

    /**
     * @return the totals of {@code ferry_requests_seconds_count} for backend legacy and new, or null when the document
     *     has no such series
     * @throws IllegalArgumentException when a series of the counter cannot be read
     */
    static double[] requestsByBackend(String document) {
        double legacy = 0;
        double fresh = 0;
        boolean any = false;
        for (String line : document.split("\n")) {
            if (!line.startsWith(LiveSplit.COUNTER)) {
                continue;
            }
            String rest = line.substring(LiveSplit.COUNTER.length());
            String labels = "";
            if (rest.startsWith("{")) {
                int end = rest.lastIndexOf('}');
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated labels in: " + line);
                }
                labels = rest.substring(1, end);
                rest = rest.substring(end + 1);
            } else if (!rest.startsWith(" ")) {
                continue; // another metric whose name starts the same
            }
            String[] parts = rest.strip().split("\\s+");
            double value;
            try {
                value = Double.parseDouble(parts[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number in: " + line);
            }
            String backend = label(labels, "backend");
            any = true;
            if ("legacy".equals(backend)) {
                legacy += value;
            } else if ("new".equals(backend)) {
                fresh += value;
            }
        }
        return any ? new double[] {legacy, fresh} : null;
    }

    /** The value of one label in {@code a="x",b="y"}; label values here never hold quotes. */
    static String label(String labels, String name) {
        String key = name + "=\"";
        int at = 0;
        while ((at = labels.indexOf(key, at)) >= 0) {
            if (at == 0 || labels.charAt(at - 1) == ',' || labels.charAt(at - 1) == ' ') {
                int start = at + key.length();
                int end = labels.indexOf('"', start);
                return end < 0 ? null : labels.substring(start, end);
            }
            at += key.length();
        }
        return null;
    }
}
