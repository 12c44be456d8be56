package dev.ferry.router.config;

import java.util.Locale;

/**
 * Every configuration key, its default and its meaning: the one table the loader, the effective-config log and the
 * README's configuration table are made from. A key is written in YAML as nested maps ({@code pool:
 * max-connections: 500}) or dotted ({@code pool.max-connections: 500}); its environment override is upper snake case
 * with a {@code FERRY_} prefix ({@code FERRY_POOL_MAX_CONNECTIONS}). Lists are YAML lists or comma-separated strings.
 */
public enum ConfigKey {
    LISTEN_HOST("listen.host", "0.0.0.0", "Address the proxy listens on."),
    LISTEN_PORT("listen.port", "8080", "Port the proxy listens on (0 picks a free one)."),
    LISTEN_PROTOCOLS(
            "listen.protocols",
            "http1,h2",
            "Protocols on the proxy port: `http1`, `h2` (HTTP/2: negotiated by ALPN over TLS; on a plain port, cleartext h2c by prior knowledge and upgrade), `h2c` (cleartext HTTP/2 only)."),
    LISTEN_TLS_CERTIFICATE(
            "listen.tls.certificate",
            "",
            "PEM certificate chain (leaf first) for TLS on the proxy port; with `listen.tls.private-key`. Empty: plain TCP (TLS ends at the load balancer)."),
    LISTEN_TLS_PRIVATE_KEY("listen.tls.private-key", "", "PEM private key (PKCS#8) of `listen.tls.certificate`."),
    ADMIN_HOST(
            "admin.host",
            "127.0.0.1",
            "Address of the admin port (health, metrics, routing lookups). Loopback by default: it is not for the public."),
    ADMIN_PORT("admin.port", "9901", "Admin port (0 picks a free one)."),
    BACKEND_LEGACY_URL(
            "backends.legacy.url",
            "",
            "Base URL of the legacy backend (`http://host:port`, optionally with a path prefix). Required."),
    BACKEND_NEW_URL("backends.new.url", "", "Base URL of the new backend. Required."),
    POOL_MAX_CONNECTIONS(
            "pool.max-connections",
            "500",
            "Connections per backend, at most. The fast path's share is split evenly among the event loops, at least one each (a request uses a connection of its own loop), so below the number of event loops the fast path may open one per loop; requests it passes on use a pool of their own with the same limit."),
    POOL_PENDING_ACQUIRE_MAX(
            "pool.pending-acquire-max-count",
            "1000",
            "Requests that may wait for a pooled connection per backend (split among the event loops like the connections); more get 503 `pool_exhausted`."),
    POOL_PENDING_ACQUIRE_TIMEOUT(
            "pool.pending-acquire-timeout",
            "2s",
            "How long a request waits for a pooled connection before 503 `pool_exhausted`."),
    POOL_MAX_IDLE_TIME(
            "pool.max-idle-time",
            "4s",
            "Idle pooled connections are closed after this. Keep it below the backend's keep-alive timeout (Node.js: 5 s) or requests meet connections the backend already closed."),
    POOL_MAX_LIFE_TIME(
            "pool.max-life-time",
            "10m",
            "Pooled connections are replaced after this, so DNS changes of a backend are picked up."),
    TIMEOUT_CONNECT(
            "timeouts.connect", "2s", "Connect timeout to a backend; past it the client gets 504 `backend_timeout`."),
    TIMEOUT_RESPONSE(
            "timeouts.response",
            "30s",
            "Longest silence from a backend once the request is sent (until the first response byte, and between reads after); past it 504 `backend_timeout`."),
    TIMEOUT_CLIENT_READ(
            "timeouts.client-read",
            "30s",
            "Longest silence from a client while it sends its request body: the body's idle limit. Past it the connection is closed and the backend never sees the request complete (a stalled upload must not hold a backend connection). The head has its own deadline, `limits.request-head-timeout`."),
    BREAKER_FAILURE_RATE(
            "breaker.failure-rate-threshold",
            "50",
            "Percentage of failed calls (of the sliding window) that opens a backend's breaker."),
    BREAKER_WINDOW(
            "breaker.sliding-window-size",
            "100",
            "Number of recent calls per backend the failure rate is computed over."),
    BREAKER_MINIMUM_CALLS("breaker.minimum-calls", "20", "Calls needed in the window before the breaker may open."),
    BREAKER_WAIT_IN_OPEN(
            "breaker.wait-in-open",
            "10s",
            "How long an open breaker answers 503 `breaker_open` before letting trial calls through."),
    BREAKER_HALF_OPEN_CALLS("breaker.half-open-calls", "5", "Trial calls let through a half-open breaker."),
    BREAKER_FAILURE_STATUSES(
            "breaker.failure-statuses",
            "502,503,504",
            "Backend statuses that count as failures (besides connect errors and timeouts). Empty: none. They are still passed to the client untouched."),
    TENANT_SOURCES(
            "tenant.sources",
            "header",
            "Where the tenant is read from, in order: `header`, `host`, `path`, `jwt`. Every source that names a tenant must agree."),
    TENANT_HEADER("tenant.header", "X-Tenant-Id", "Header that names the tenant (`header` source)."),
    TENANT_HOST_PATTERN(
            "tenant.host-pattern", "", "`{tenant}.example.com`: the Host's first label is the tenant (`host` source)."),
    TENANT_PATH_PREFIX("tenant.path-prefix", "/t/", "`/t/{tenant}/...` names the tenant (`path` source)."),
    TENANT_STRIP_PATH_PREFIX("tenant.strip-path-prefix", "true", "Forward `/t/acme/orders` as `/orders`."),
    TENANT_JWT_CLAIM("tenant.jwt.claim", "tenant_id", "Claim of the bearer JWT that holds the tenant (`jwt` source)."),
    TENANT_JWT_HS256_SECRET(
            "tenant.jwt.hs256-secret", "", "HS256 secret (32 bytes or more) that JWTs are verified with.", true),
    TENANT_JWT_JWKS(
            "tenant.jwt.jwks", "", "JWKS file or http(s) URL that JWTs are verified with (RS/ES/PS algorithms)."),
    TENANT_JWT_ISSUER("tenant.jwt.issuer", "", "Required `iss` of JWTs; empty accepts any."),
    TENANT_JWT_AUDIENCE("tenant.jwt.audience", "", "Required `aud` of JWTs; empty accepts any."),
    TENANT_JWT_JWKS_REFRESH("tenant.jwt.jwks-refresh", "5m", "How often the JWKS is read again."),
    TENANT_ID_PATTERN(
            "tenant.id-pattern", "[A-Za-z0-9][A-Za-z0-9._-]*", "Regular expression a tenant id must match, whole."),
    TENANT_MAX_LENGTH("tenant.max-length", "64", "Longest tenant id accepted."),
    TENANT_LOWERCASE(
            "tenant.lowercase",
            "true",
            "Lower-case tenant ids from every source, so that `ACME` and `acme` are one tenant (Unleash compares ids case-sensitively; list them in lower case). Set false if your tenant ids are case-sensitive."),
    TENANT_WHEN_MISSING(
            "tenant.when-missing",
            "reject",
            "A request that names no tenant: `reject` (400 `tenant_missing`) or `legacy`."),
    FLAGS_FLAG_NAME(
            "flags.flag-name",
            "route-tenant-to-new",
            "Unleash flag that routes a tenant to new when enabled for it (context field `tenantId`)."),
    FLAGS_SOURCE(
            "flags.source",
            "file",
            "`file`: a local file in the Unleash client-features format, re-read when it changes. `unleash`: an Unleash server."),
    FLAGS_FILE("flags.file", "", "The flags file (`flags.source: file`). Required for that source."),
    FLAGS_HELD_FILE(
            "flags.held-file",
            ".ferry/held-tenants.json",
            "Where Ferry keeps the tenants it holds on new because the flag tried to send them back to legacy without the deliberate marker; kept across restarts."),
    FLAGS_CACHE_MAX_TENANTS(
            "flags.cache.max-tenants",
            "100000",
            "Routing decisions kept in memory; the cache is emptied whenever a new flag state is applied."),
    FLAGS_UNLEASH_URL(
            "flags.unleash.url", "", "Unleash API URL, such as `http://127.0.0.1:4242/api` (`flags.source: unleash`)."),
    FLAGS_UNLEASH_TOKEN("flags.unleash.token", "", "Unleash client (backend) token.", true),
    FLAGS_UNLEASH_APP_NAME("flags.unleash.app-name", "ferry-router", "Application name Ferry reports to Unleash."),
    FLAGS_UNLEASH_REFRESH(
            "flags.unleash.refresh-interval", "1s", "How often Unleash is polled; whole seconds, 1s or more."),
    FLAGS_UNLEASH_BACKUP_FILE(
            "flags.unleash.backup-file",
            ".ferry/unleash-backup.json",
            "Where the last flag state from Unleash is saved; a restart while Unleash is down routes from it. Keep it on a volume that survives restarts."),
    FLAGS_UNLEASH_BOOTSTRAP_FILE(
            "flags.unleash.bootstrap-file",
            "",
            "A client-features file used at start when there is no backup file and Unleash is unreachable."),
    FORWARD_SERVED_BY_HEADER(
            "forwarding.served-by-header",
            "",
            "Response header naming the backend that served (`legacy` or `new`), such as `X-Ferry-Backend`; empty: none."),
    FORWARD_TENANT_HEADER(
            "forwarding.tenant-header",
            "X-Tenant-Id",
            "Request header set to the resolved tenant for the backend (any client value is replaced); empty: none."),
    FORWARD_PRESERVE_HOST(
            "forwarding.preserve-host", "false", "Send the client's Host to the backend instead of the backend's own."),
    FORWARD_TRUST_FORWARDED(
            "forwarding.trust-forwarded-headers",
            "false",
            "Keep and extend the client's `X-Forwarded-*` headers (only behind a proxy you trust); otherwise they are replaced."),
    FORWARD_FAST_PATH(
            "forwarding.fast-path",
            "true",
            "Relay plain HTTP/1.1 requests to plain-HTTP backends on Netty directly (about half the CPU per request); `false` sends every request through Reactor Netty's client, as HTTP/2, WebSockets and HTTPS backends always go."),
    FORWARD_LOOKALIKE_HEADERS(
            "forwarding.lookalike-headers",
            "reject",
            "A client header whose name differs from one Ferry sets or trusts only by `_` for `-` (`X_Tenant_Id`, `X_Forwarded_For`, `X_Ferry_...`): many backends (CGI, WSGI, PHP) read both spellings as one. `reject`: 400 `request_invalid` naming it; `strip`: dropped. Never forwarded either way."),
    LIMITS_MAX_REQUEST_BODY(
            "limits.max-request-body",
            "100m",
            "Largest request body forwarded (`512k`, `100m`, `1g`). A larger declared `Content-Length` gets 413 `body_too_large` before anything is sent; a streamed (chunked, HTTP/2) body that grows past it is cut off: the backend's connection is closed so it never sees the request complete, and the client gets 413 (or its connection closed if the response had started)."),
    LIMITS_MAX_CLIENT_CONNECTIONS(
            "limits.max-client-connections",
            "auto",
            "Client connections open at once; past it a new one gets 503 `connection_limit` and is closed. `auto`: what the process's open-files limit leaves after the descriptors open at start, `limits.descriptor-reserve` and the backend pools (two descriptors per client connection, for a WebSocket's backend socket). A number must fit in that budget. Start-up stops if fewer than 64 fit."),
    LIMITS_DESCRIPTOR_RESERVE(
            "limits.descriptor-reserve",
            "256",
            "File descriptors kept out of the connection budget: for the flags file, the held-tenants record, Unleash's backup and connections, the admin port and the JVM."),
    LIMITS_REQUEST_HEAD_TIMEOUT(
            "limits.request-head-timeout",
            "10s",
            "Longest a request's head (request line and headers) may take to arrive, whole, from its first byte: a client that trickles header lines is cut off with 408 `request_head_timeout`. On a new connection it counts from the accept, so a connection that never sends a request is closed (silently) at it. nginx's `client_header_timeout` is 60s; docs/reliability.md says why 10s."),
    LIMITS_KEEP_ALIVE_TIMEOUT(
            "limits.keep-alive-timeout",
            "75s",
            "How long a client connection may sit idle between requests before Ferry closes it, silently. Keep it longer than the idle timeout of a load balancer in front (an AWS ALB's is 60s) so that the balancer closes idle connections, never Ferry under a request the balancer is sending; 75s is nginx's `keepalive_timeout`. On the Reactor Netty path (HTTP/2, and HTTP/1.1 with the fast path off) it is at least just over `timeouts.response` and `timeouts.client-read`: there one timer also runs while a stream waits on its backend."),
    LIMITS_H2_MAX_CONCURRENT_STREAMS(
            "limits.h2-max-concurrent-streams",
            "100",
            "HTTP/2 streams a client may have open at once on one connection, advertised in SETTINGS; more are refused (RST_STREAM `REFUSED_STREAM`). 100 is the least RFC 9113 recommends and HAProxy's default."),
    LIMITS_H2_MAX_RESETS(
            "limits.h2-max-resets",
            "200",
            "RST_STREAM frames a client may send on one HTTP/2 connection in any 30s; more close it with GOAWAY `ENHANCE_YOUR_CALM` (rapid reset, CVE-2023-44487). 200 is Netty's default for servers."),
    CUTOVER_CLOCK_SKEW(
            "cutover.clock-skew",
            "250ms",
            "Bound on how far any replica's clock (and flags-admin's) may be off. Around a scheduled move's time T a moving tenant's requests are held on every replica from T - skew to T + skew + legacy deadline, so the fleet switches at one instant even with clocks that are off. Keep clocks synchronised (NTP, chrony) well within it."),
    CUTOVER_LEGACY_DEADLINE(
            "cutover.legacy-deadline",
            "1s",
            "How long a moving tenant's request admitted to legacy just before T may take; past it the client gets 504 `cutover_deadline`. New opens for the tenant only after it: nothing reaches new while a request admitted to legacy may still be in flight."),
    CUTOVER_LEASE(
            "cutover.lease",
            "3s",
            "Freshness lease: a flag state last confirmed by its source longer ago than this is stale. A stale replica cannot know whether a tenant it would send to legacy has moved meanwhile: while strict (see `cutover.lease-mode`) it holds legacy-bound requests, then answers 503 `routing_stale`. Longer than the poll interval."),
    CUTOVER_LEASE_MODE(
            "cutover.lease-mode",
            "window",
            "When a stale replica is strict: `window` (while the migration window is open, and always once its flag state is older than `cutover.window-lease`), `always`, or `never` (route from memory, as before any move: risks a split tenant if Unleash is cut off during a move)."),
    CUTOVER_WINDOW_FLAG(
            "cutover.window-flag",
            "ferry-migration-window",
            "Unleash flag that opens the migration window while enabled (`flags-admin window open`)."),
    CUTOVER_WINDOW_LEASE(
            "cutover.window-lease",
            "5m",
            "With `cutover.lease-mode: window`: a replica that has not heard from its flag source for this long is strict even if the window looked closed, because the window may have opened meanwhile. flags-admin schedules no move earlier than this after the window opened."),
    CUTOVER_HOLD_TIMEOUT(
            "cutover.hold-timeout",
            "5s",
            "Longest a request is held (around a move, or on a stale replica); past it 503 `cutover_hold_timeout` or `routing_stale`, with Retry-After. Longer than 2 × clock-skew + legacy-deadline."),
    CUTOVER_MAX_HELD("cutover.max-held", "10000", "Requests held at once, at most; more get 503 `hold_limit`."),
    CUTOVER_MAX_HELD_PER_TENANT(
            "cutover.max-held-per-tenant",
            "1000",
            "Requests of one tenant held at once, at most; more get 503 `hold_limit`."),
    CUTOVER_CHECK_URL(
            "cutover.check-url",
            "",
            "Pre-activation check, optional: an http(s) URL (`{tenant}` is replaced by the tenant id) polled after the hold around T and before the tenant's requests go to new; new opens once it answers 2xx (such as \"replication for this tenant has caught up\"), or an hour after T, when the move counts as done."),
    CUTOVER_CHECK_INTERVAL(
            "cutover.check-interval",
            "200ms",
            "How often the pre-activation check is polled while it answers otherwise."),
    ACCESS_LOG_ENABLED(
            "access-log.enabled",
            "false",
            "Write one JSON line per request (OpenTelemetry's HTTP field names, plus tenant, decision, backend, Ferry's error and timings; docs/observability.md). Written by a thread of its own: a request never waits for it."),
    ACCESS_LOG_SAMPLE(
            "access-log.sample",
            "1",
            "Share of requests logged when `access-log.enabled`, from 0 to 1 (`0.01`: about one in a hundred, chosen at random)."),
    ACCESS_LOG_FILE(
            "access-log.file",
            "",
            "File the lines are appended to (rotate it with `copytruncate`); empty: standard output, beside the log."),
    ACCESS_LOG_QUEUE_SIZE(
            "access-log.queue-size",
            "10000",
            "Lines waiting for the writer, at most; when it cannot keep up, further lines are dropped and counted in `ferry_access_log_dropped_total`."),
    TRACING_OTLP_ENDPOINT(
            "tracing.otlp-endpoint",
            "",
            "OTLP/HTTP traces URL of a collector, such as `http://127.0.0.1:4318/v1/traces` (`/v1/traces` is added to a URL without a path). Set: Ferry records a server span per request (tenant, decision, backend, status, Ferry's error), sends it in batches from a thread of its own, and the backend's `traceparent` names that span. Empty: no span; `traceparent` and `tracestate` pass to the backend unchanged."),
    TRACING_SERVICE_NAME("tracing.service-name", "ferry-router", "`service.name` of Ferry's spans."),
    SHADOW_ENABLED(
            "shadow.enabled",
            "true",
            "Shadow reads (docs/shadow.md): for a tenant listed by the shadow flag and still on legacy, a sample of its safe requests is also sent, after its answer, to both backends, the answers compared and the tenant's readiness to move tallied. `false`: nothing is shadowed whatever the flag says, and nothing is started."),
    SHADOW_FLAG(
            "shadow.flag",
            "ferry.shadow",
            "The flag that lists the shadowed tenants (`tenantId IN [...]`, written by `flags-admin shadow on`), read from the same flag state as the routing flag. Missing or disabled: nobody is shadowed."),
    SHADOW_METHODS(
            "shadow.methods",
            "GET,HEAD",
            "Methods shadowed on every route: safe ones only (`GET`, `HEAD`, `OPTIONS`). Another method is shadowed only on a route the rules file declares `idempotent`."),
    SHADOW_RULES_FILE(
            "shadow.rules-file",
            "",
            "YAML file of comparison rules per route template (headers compared, fields ignored, arrays whose order does not matter, routes declared idempotent; docs/shadow.md). Empty: every route compared with the default rules."),
    SHADOW_SAMPLE_RATE(
            "shadow.sample-rate",
            "1",
            "Share of a shadowed tenant's eligible requests that are shadowed, from 0 to 1."),
    SHADOW_NOISE_SAMPLE_RATE(
            "shadow.noise-sample-rate",
            "0.1",
            "Share of shadowed requests also sent to legacy a second time, to learn which fields differ between two answers of legacy itself (noise), from 0 to 1. A route's first 20 are always sampled."),
    SHADOW_MAX_RATE(
            "shadow.max-rate",
            "100",
            "Shadowed requests started per second by this replica, at most (each asks both backends): the extra load's budget. Past it requests are not shadowed and counted in `ferry_shadow_dropped_total{reason=\"rate\"}`."),
    SHADOW_MAX_IN_FLIGHT(
            "shadow.max-in-flight", "32", "Shadowed requests under way at once, at most; more wait in the queue."),
    SHADOW_MAX_QUEUED(
            "shadow.max-queued",
            "256",
            "Shadowed requests waiting to start, at most; past it they are dropped and counted (`reason=\"queue_full\"`). A client's answer never waits for a shadow."),
    SHADOW_MAX_BODY(
            "shadow.max-body",
            "256k",
            "Answer body kept per backend for comparison (past it the rest is read and discarded, and compared only up to this); also the largest request body copied on a route declared idempotent."),
    SHADOW_TIMEOUT(
            "shadow.timeout",
            "10s",
            "How long a shadow request may take in all; past it that backend's answer counts as a timeout."),
    SHADOW_REPLICATION_LAG(
            "shadow.replication-lag",
            "5s",
            "How long new may take to show a write made through legacy. A real difference is read again from both backends once this has passed since the read, and counted as lag (a match) if they then agree."),
    SHADOW_NOISE_RELATIVE(
            "shadow.noise.relative-threshold",
            "0.2",
            "A field is a real difference only when it differs between legacy and new more often than between legacy and legacy, by at least this share of the two rates together (Diffy's relative threshold, 20 %)."),
    SHADOW_NOISE_ABSOLUTE(
            "shadow.noise.absolute-threshold",
            "0.0003",
            "A field is a real difference only when it differs between legacy and new more often than between legacy and legacy by at least this share of all requests (Diffy's absolute threshold, 0.03 %)."),
    SHADOW_LATENCY_SAMPLES(
            "shadow.latency-samples",
            "1000",
            "Latencies kept per tenant and backend for the p99 gate: the latest ones."),
    SHADOW_MIN_LOWER_BOUND(
            "shadow.readiness.min-lower-bound",
            "0.99",
            "Readiness gate: the least lower bound (Wilson, 95 %) of the share of compared requests that match. 3 of 3 give 0.44; at 0.99 a tenant needs at least 381 matching requests and no difference."),
    SHADOW_MIN_COMPARED(
            "shadow.readiness.min-compared",
            "200",
            "Readiness gate: the least compared requests (matching or different)."),
    SHADOW_MIN_PER_ROUTE(
            "shadow.readiness.min-per-route",
            "5",
            "Readiness gate: the least compared requests on every route the tenant used."),
    SHADOW_LATENCY_MARGIN(
            "shadow.readiness.latency-margin",
            "0.2",
            "Readiness gate: how much slower new's p99 may be than legacy's, relative to legacy's."),
    SHADOW_LATENCY_MARGIN_FLOOR(
            "shadow.readiness.latency-margin-floor",
            "5ms",
            "Readiness gate: how much slower new's p99 may always be (a fast route's 20 % is jitter)."),
    SHADOW_ERROR_RATE_MARGIN(
            "shadow.readiness.error-rate-margin",
            "0.005",
            "Readiness gate: how much higher new's error rate (no answer, or 5xx) may be than legacy's, a fraction (0.005: half a point)."),
    SHUTDOWN_DRAIN_DELAY(
            "shutdown.drain-delay",
            "0s",
            "After SIGTERM: how long the router keeps serving while not ready (each response telling its client to reconnect elsewhere) before it closes the listener: longer than a load balancer takes to notice."),
    SHUTDOWN_TIMEOUT("shutdown.timeout", "30s", "After SIGTERM: how long in-flight requests may take to finish.");

    private final String key;
    private final String defaultValue;
    private final String meaning;
    private final boolean secret;

    ConfigKey(String key, String defaultValue, String meaning) {
        this(key, defaultValue, meaning, false);
    }

    ConfigKey(String key, String defaultValue, String meaning, boolean secret) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.meaning = meaning;
        this.secret = secret;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String meaning() {
        return meaning;
    }

    /** Logged as {@code ***}. */
    public boolean secret() {
        return secret;
    }

    /** {@code pool.max-idle-time} → {@code FERRY_POOL_MAX_IDLE_TIME}. */
    public String envName() {
        return "FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }
}
