package dev.ferry.router.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.resilience.BackendFailurePolicy.BackendStatusException;
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
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

class BackendFailurePolicyTest {
    private final BackendFailurePolicy policy = new BackendFailurePolicy(Set.of(502, 503, 504));

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "502, true",
        "503, true",
        "504, true",
        "500, false",
        "501, false",
        "200, false",
        "404, false",
        "429, false",
        "0, false",
        "-1, false",
        "600, false",
        "1000, false"
    })
    void countsOnlyTheConfiguredStatusesAsFailures(int status, boolean failure) {
        assertThat(policy.isFailure(status)).isEqualTo(failure);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500", "502", "599"})
    void countsNoStatusWhenNoneIsConfigured(int status) {
        assertThat(new BackendFailurePolicy(Set.of()).isFailure(status)).isFalse();
    }

    static Stream<Arguments> backendFailures() {
        return Stream.of(
                Arguments.of(new ConnectException("Connection refused")),
                Arguments.of(new ConnectTimeoutException("connection timed out after 2000 ms")),
                Arguments.of(new NoRouteToHostException("No route to host")),
                Arguments.of(new UnknownHostException("backend.invalid")),
                Arguments.of(ReadTimeoutException.INSTANCE),
                Arguments.of(WriteTimeoutException.INSTANCE),
                Arguments.of(PrematureCloseException.TEST_EXCEPTION),
                Arguments.of(new IOException("Connection reset by peer")),
                Arguments.of(new BackendStatusException(503)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backendFailures")
    void countsTransportErrorsAndFailureStatusesAgainstTheBackend(Throwable error) {
        assertThat(BackendFailurePolicy.isBackendFailure(error)).isTrue();
    }

    static Stream<Arguments> notTheBackendsFault() {
        return Stream.of(
                Arguments.of(new PoolAcquireTimeoutException(Duration.ofSeconds(2))),
                Arguments.of(new PoolAcquirePendingLimitException(1000)),
                Arguments.of(
                        CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("new"))),
                Arguments.of(new ProxyException(ProxyFailure.TENANT_MISSING, "no tenant")),
                Arguments.of(new IllegalStateException("a bug in Ferry")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notTheBackendsFault")
    void countsAFullLocalPoolAnOpenBreakerOrOurOwnErrorsNotAgainstTheBackend(Throwable error) {
        assertThat(BackendFailurePolicy.isBackendFailure(error)).isFalse();
    }
}
