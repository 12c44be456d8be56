package dev.ferry.router.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.regex.Pattern;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** What the tenant tests share: the rules of a typical deployment and a quick way to write headers. */
final class Tenants {
    static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]*");
    static final TenantIdRules RULES = new TenantIdRules(ID_PATTERN, 64);
    static final String EXPECTATION = "expected: 1-64 characters matching [a-z0-9][a-z0-9-]*";

    private Tenants() {}

    /**
     * Headers as a lenient peer could send them: not validated, so values may keep surrounding whitespace.
     *
     * @param namesAndValues name, value, name, value... (a name may repeat)
     */
    static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers =
                DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    /** Asserts that {@code call} throws a {@link ProxyException} of {@code failure}; chain the message check. */
    static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, ProxyFailure failure) {
        return assertThatThrownBy(call).isInstanceOfSatisfying(ProxyException.class, e -> assertThat(e.failure())
                .isEqualTo(failure));
    }
}
