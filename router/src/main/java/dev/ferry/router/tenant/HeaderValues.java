package dev.ferry.router.tenant;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;

/** Reads a header that must appear at most once, the way every header-based source needs it. */
final class HeaderValues {
    private HeaderValues() {}

    /**
     * @return the header's only value, or {@code null} when it is absent
     * @throws ProxyException {@link ProxyFailure#TENANT_AMBIGUOUS} when it appears more than once: two values are two
     *     answers, and picking one would let whoever controls the other choose the tenant
     */
    static String single(HttpHeaders headers, String name) {
        Iterator<String> values = headers.valueStringIterator(name);
        if (!values.hasNext()) {
            return null;
        }
        String value = values.next();
        if (!values.hasNext()) {
            return value;
        }
        int count = 1;
        while (values.hasNext()) {
            values.next();
            count++;
        }
        throw new ProxyException(
                ProxyFailure.TENANT_AMBIGUOUS,
                "header '" + name + "' appears " + count + " times (expected: exactly once)");
    }

    /** Drops leading and trailing spaces and tabs, the only whitespace RFC 9110 allows around a field value. */
    static String trim(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isSpaceOrTab(value.charAt(start))) {
            start++;
        }
        while (end > start && isSpaceOrTab(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isSpaceOrTab(char c) {
        return c == ' ' || c == '\t';
    }
}
