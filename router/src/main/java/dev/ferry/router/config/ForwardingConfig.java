package dev.ferry.router.config;

import static java.util.Objects.requireNonNull;

/**
 * What Ferry adds to and keeps from the forwarded request and response.
 *
 * @param servedByHeader response header naming the backend that served, or empty
 * @param tenantHeader request header set to the resolved tenant for the backend, or empty
 * @param preserveHost send the client's Host instead of the backend's
 * @param trustForwardedHeaders extend the client's X-Forwarded-* instead of replacing them
 * @param fastPath relay plain HTTP/1.1 exchanges on Netty directly (see {@code dev.ferry.router.FastPath})
 * @param lookalikes what to do with a client header that differs from one Ferry sets or trusts only by {@code _}
 */
public record ForwardingConfig(
        String servedByHeader,
        String tenantHeader,
        boolean preserveHost,
        boolean trustForwardedHeaders,
        boolean fastPath,
        Lookalikes lookalikes) {
    /** With the fast path on, the default. */
    public ForwardingConfig(
            String servedByHeader, String tenantHeader, boolean preserveHost, boolean trustForwardedHeaders) {
        this(servedByHeader, tenantHeader, preserveHost, trustForwardedHeaders, true, Lookalikes.REJECT);
    }

    /** {@code forwarding.lookalike-headers}. */
    public enum Lookalikes {
        /** 400 {@code request_invalid}, naming the header. */
        REJECT,
        /** Dropped: the backend never sees it. */
        STRIP
    }

    public ForwardingConfig {
        requireNonNull(servedByHeader, "servedByHeader");
        requireNonNull(tenantHeader, "tenantHeader");
        requireNonNull(lookalikes, "lookalikes");
    }
}
