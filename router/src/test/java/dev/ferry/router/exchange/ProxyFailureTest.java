package dev.ferry.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

class ProxyFailureTest {
    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(new ConnectException("Connection refused"), ProxyFailure.BACKEND_CONNECT_FAILED),
                Arguments.of(new NoRouteToHostException("No route to host"), ProxyFailure.BACKEND_CONNECT_FAILED),
                Arguments.of(new UnknownHostException("backend.invalid"), ProxyFailure.BACKEND_CONNECT_FAILED),
                Arguments.of(new ConnectTimeoutException("connection timed out"), ProxyFailure.BACKEND_TIMEOUT),
                Arguments.of(ReadTimeoutException.INSTANCE, ProxyFailure.BACKEND_TIMEOUT),
                Arguments.of(WriteTimeoutException.INSTANCE, ProxyFailure.BACKEND_TIMEOUT),
                Arguments.of(PrematureCloseException.TEST_EXCEPTION, ProxyFailure.BACKEND_CLOSED),
                Arguments.of(new IOException("Connection reset by peer"), ProxyFailure.BACKEND_CLOSED),
                Arguments.of(new PoolAcquireTimeoutException(Duration.ofSeconds(2)), ProxyFailure.POOL_EXHAUSTED),
                Arguments.of(new PoolAcquirePendingLimitException(1000), ProxyFailure.POOL_EXHAUSTED),
                Arguments.of(
                        CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("new")),
                        ProxyFailure.BREAKER_OPEN),
                Arguments.of(new IllegalStateException("a bug in Ferry"), ProxyFailure.INTERNAL),
                Arguments.of(new NullPointerException(), ProxyFailure.INTERNAL));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @MethodSource("errors")
    void classifiesATransportErrorByItsType(Throwable error, ProxyFailure failure) {
        assertThat(ProxyFailure.of(error)).isEqualTo(failure);
    }

    @ParameterizedTest
    @EnumSource(ProxyFailure.class)
    void takesTheKindAProxyExceptionCarries(ProxyFailure failure) {
        ProxyException error = new ProxyException(failure, "why", new ConnectException("Connection refused"));

        assertThat(ProxyFailure.of(error)).isEqualTo(failure);
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @CsvSource({
        "TENANT_MISSING, 400, tenant_missing",
        "TENANT_INVALID, 400, tenant_invalid",
        "TENANT_AMBIGUOUS, 400, tenant_ambiguous",
        "TENANT_TOKEN_INVALID, 401, tenant_token_invalid",
        "ROUTING_UNKNOWN, 503, routing_unknown",
        "BREAKER_OPEN, 503, breaker_open",
        "POOL_EXHAUSTED, 503, pool_exhausted",
        "BACKEND_CONNECT_FAILED, 502, backend_connect_failed",
        "BACKEND_CLOSED, 502, backend_closed",
        "BACKEND_TIMEOUT, 504, backend_timeout",
        "INTERNAL, 500, internal_error"
    })
    void answersEachKindWithItsStatusAndName(ProxyFailure failure, int status, String kind) {
        assertThat(failure.status().code()).isEqualTo(status);
        assertThat(failure.kind()).isEqualTo(kind);
    }
}
