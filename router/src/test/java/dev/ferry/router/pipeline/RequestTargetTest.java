package dev.ferry.router.pipeline;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.router.exchange.ProxyException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9112 §3.2 as a server must apply it: one authority per request, read the same way by every party. */
class RequestTargetTest {
    private static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    @Test
    void wantsExactlyOneHostOnHttp11AndAtMostOneOnHttp10AndHttp2() {
        assertThatThrownBy(() -> RequestTarget.checkHost(HttpVersion.HTTP_1_1, "/", new DefaultHttpHeaders()))
                .isInstanceOf(ProxyException.class)
                .hasMessageContaining("no Host header");
        assertThatCode(() -> RequestTarget.checkHost(HttpVersion.HTTP_1_0, "/", new DefaultHttpHeaders()))
                .doesNotThrowAnyException();
        assertThatCode(() -> RequestTarget.checkHost(HTTP_2, "/", new DefaultHttpHeaders()))
                .doesNotThrowAnyException();
        for (HttpVersion version : new HttpVersion[] {HttpVersion.HTTP_1_0, HttpVersion.HTTP_1_1, HTTP_2}) {
            assertThatThrownBy(() -> RequestTarget.checkHost(version, "/", hosts("a", "b")))
                    .hasMessageContaining("2 Host headers");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com", "api.example.com:8443", "10.0.0.5:80", "[::1]:8080", "[fe80::1]", ""})
    void acceptsAHostAndAnOptionalPortOrAnEmptyHost(String host) {
        assertThatCode(() -> RequestTarget.checkHost(HttpVersion.HTTP_1_1, "/orders", hosts(host)))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a/b", "u@h", "h:p", "h:123456", "a,b", "[::1", "h?x"})
    void refusesWhatIsNotAHostAndPort(String host) {
        assertThatThrownBy(() -> RequestTarget.checkHost(HttpVersion.HTTP_1_1, "/", hosts(host)))
                .hasMessageContaining("is not a host with an optional port");
    }

    @Test
    void wantsAnAbsoluteFormTargetToNameTheSameAuthorityAsHost() {
        assertThatCode(() -> RequestTarget.checkHost(
                        HttpVersion.HTTP_1_1, "http://API.example.com:8080/x?y", hosts("api.example.com:8080")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> RequestTarget.checkHost(
                        HttpVersion.HTTP_1_1, "http://other.example.com/x", hosts("api.example.com")))
                .hasMessageContaining("names 'other.example.com' but Host says 'api.example.com'");
        assertThatThrownBy(() -> RequestTarget.checkHost(
                        HttpVersion.HTTP_1_1, "http://api.example.com:81/", hosts("api.example.com")))
                .hasMessageContaining("names 'api.example.com:81'");
    }

    private static HttpHeaders hosts(String... values) {
        HttpHeaders headers = new DefaultHttpHeaders(false);
        for (String value : values) {
            headers.add("Host", value);
        }
        return headers;
    }
}
