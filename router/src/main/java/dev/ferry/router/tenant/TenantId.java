package dev.ferry.router.tenant;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;

/** A validated tenant id. Only {@link TenantIdRules#parse} makes one from outside input. */
public record TenantId(String value) {
    public TenantId {
        requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new ProxyException(ProxyFailure.TENANT_INVALID, "tenant id is empty");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
