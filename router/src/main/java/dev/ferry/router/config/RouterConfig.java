package dev.ferry.router.config;

import static java.util.Objects.requireNonNull;

/** The whole configuration, read and validated once, before anything binds. */
public record RouterConfig(
        ListenConfig listen,
        AdminConfig admin,
        BackendsConfig backends,
        PoolConfig pool,
        TimeoutConfig timeouts,
        BreakerConfig breaker,
        TenantConfig tenant,
        FlagsConfig flags,
        ForwardingConfig forwarding,
        LimitsConfig limits,
        DescriptorBudget descriptors,
        CutoverConfig cutover,
        AccessLogConfig accessLog,
        TracingConfig tracing,
        ShadowConfig shadow,
        ShutdownConfig shutdown) {
    public RouterConfig {
        requireNonNull(listen, "listen");
        requireNonNull(admin, "admin");
        requireNonNull(backends, "backends");
        requireNonNull(pool, "pool");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(breaker, "breaker");
        requireNonNull(tenant, "tenant");
        requireNonNull(flags, "flags");
        requireNonNull(forwarding, "forwarding");
        requireNonNull(limits, "limits");
        requireNonNull(descriptors, "descriptors");
        requireNonNull(cutover, "cutover");
        requireNonNull(accessLog, "accessLog");
        requireNonNull(tracing, "tracing");
        requireNonNull(shadow, "shadow");
        requireNonNull(shutdown, "shutdown");
    }
}
