package dev.ferry.router.shadow;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Answers for tests: JSON or text bodies, a latency in milliseconds. */
final class Answers {
    static final int CAP = 64 * 1024;

    private Answers() {}

    static Exchange json(String body) {
        return json(200, body);
    }

    static Exchange json(int status, String body) {
        return answer(status, "application/json", body, 10);
    }

    static Exchange answer(int status, String contentType, String body, long latencyMillis) {
        return Exchange.response(
                status,
                Map.of("Content-Type", List.of(contentType)),
                body.getBytes(StandardCharsets.UTF_8),
                CAP,
                latencyMillis * 1_000_000);
    }

    /** JSON with single quotes, for readable tests. */
    static String q(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }
}
