package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.router.config.ListenConfig.Protocol;
import dev.ferry.router.config.TenantConfig.Source;
import dev.ferry.router.config.TenantConfig.WhenMissing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes";
    private static final String TOKEN = "default:development.unleash-client-token";

    @TempDir
    Path dir;

    private Path flagsFile;

    @BeforeEach
    void writeFlagsFile() throws IOException {
        flagsFile = Files.writeString(dir.resolve("flags.json"), "{\"version\":2,\"features\":[]}");
    }

    @Test
    void buildsTheDocumentedDefaultsFromTheBackendUrlsAndAFlagsFile() throws InvalidConfigException {
        RouterConfig config = load(base(), Optional.empty(), Map.of()).config();

        assertThat(config.listen()).isEqualTo(new ListenConfig("0.0.0.0", 8080, Set.of(Protocol.HTTP1, Protocol.H2)));
        assertThat(config.admin()).isEqualTo(new AdminConfig("127.0.0.1", 9901));
        assertThat(config.backends())
                .isEqualTo(
                        new BackendsConfig(URI.create("http://127.0.0.1:8081"), URI.create("http://127.0.0.1:8082")));
        assertThat(config.pool())
                .isEqualTo(new PoolConfig(
                        500, 1000, Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofMinutes(10)));
        assertThat(config.timeouts()).isEqualTo(new TimeoutConfig(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        assertThat(config.breaker())
                .isEqualTo(new BreakerConfig(50, 100, 20, Duration.ofSeconds(10), 5, Set.of(502, 503, 504)));
        assertThat(config.tenant().sources()).containsExactly(Source.HEADER);
        assertThat(config.tenant().header()).isEqualTo("X-Tenant-Id");
        assertThat(config.tenant().pathPrefix()).isEqualTo("/t/");
        assertThat(config.tenant().stripPathPrefix()).isTrue();
        assertThat(config.tenant().idPattern().pattern()).isEqualTo("[A-Za-z0-9][A-Za-z0-9._-]*");
        assertThat(config.tenant().maxLength()).isEqualTo(64);
        assertThat(config.tenant().whenMissing()).isEqualTo(WhenMissing.REJECT);
        assertThat(config.tenant().jwt().configured()).isFalse();
        assertThat(config.flags())
                .isEqualTo(new FlagsConfig(
                        "route-tenant-to-new",
                        FlagsConfig.Source.FILE,
                        Optional.of(flagsFile),
                        Optional.empty(),
                        100000));
        assertThat(config.forwarding())
                .isEqualTo(new ForwardingConfig(
                        "", "X-Tenant-Id", false, false, true, ForwardingConfig.Lookalikes.REJECT));
        assertThat(config.shutdown()).isEqualTo(new ShutdownConfig(Duration.ZERO, Duration.ofSeconds(30)));
        assertThat(config.limits())
                .isEqualTo(
                        new LimitsConfig(100L * 1024 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(75), 100, 200));
        assertThat(config.accessLog()).isEqualTo(new AccessLogConfig(false, 1.0, Optional.empty(), 10000));
        assertThat(config.tracing()).isEqualTo(new TracingConfig(Optional.empty(), "ferry-router"));
    }

    @Test
    void readsShadowRulesAndReportsEveryBadEntryOfTheFileAtOnce() throws Exception {
        Path rules = Files.writeString(
                dir.resolve("rules.yaml"),
                """
                routes:
                  - route: GET /orders/{id}
                    ignore: [meta.requestId, "items[*.updatedAt"]
                    unordered-by: {items: id}
                  - route: POST /search
                    idempotent: true
                  - route: orders
                  - route: GET /tags/{id}
                    ignored: [x]
                  - route: DELETE /carts/{id}
                    idempotent: true
                """);
        Map<String, String> values = base();
        values.put("shadow.rules-file", rules.toString());
        values.put("shadow.readiness.min-lower-bound", "1.5");
        values.put("shadow.replication-lag", "soon");
        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("shadow.rules-file " + rules + ": routes[0]: shadow"
                                        + " rule 'GET /orders/{id}': ignore 'items[*.updatedAt' is not a path"))
                        .anySatisfy(p -> assertThat(p)
                                .contains("routes[2]: shadow rule 'orders': route 'orders' is" + " not valid"))
                        .anySatisfy(
                                p -> assertThat(p)
                                        .contains(
                                                "routes[3]: unknown member 'ignored' (expected: one"
                                                        + " of [headers, idempotent, ignore, only-headers, route, unordered, unordered-by])"))
                        .anySatisfy(p -> assertThat(p)
                                .contains("routes[4]: 'DELETE /carts/{id}' cannot be declared"
                                        + " idempotent (expected: a route that only reads, such as POST /search; a PUT, PATCH or"
                                        + " DELETE replayed later would change legacy's data)"))
                        .anySatisfy(p -> assertThat(p)
                                .isEqualTo("shadow.replication-lag: 'soon' (expected: a duration"
                                        + " such as 250ms, 2s, 5m or 1h)"))
                        .anySatisfy(p -> assertThat(p)
                                .isEqualTo("shadow.readiness.min-lower-bound: 1.5 (expected: in (0, 1])")));

        Files.writeString(
                rules,
                """
                routes:
                  - route: GET /orders/{id}
                    ignore: [meta.requestId]
                  - route: POST /search
                    idempotent: true
                """);
        values.remove("shadow.readiness.min-lower-bound");
        values.remove("shadow.replication-lag");
        ShadowConfig shadow = load(values, Optional.empty(), Map.of()).config().shadow();
        assertThat(shadow.eligible("POST", shadow.routes().route("POST", "/search")))
                .isTrue();
        assertThat(shadow.eligible("POST", shadow.routes().route("POST", "/orders")))
                .isFalse();
        assertThat(shadow.eligible("GET", shadow.routes().route("GET", "/anything")))
                .isTrue();
        assertThat(shadow.routes()
                        .rules(shadow.routes().route("GET", "/orders/7"))
                        .ignored())
                .hasSize(1);
    }

    @Test
    void shadowsOnlySafeMethodsOnEveryRoute() {
        Map<String, String> values = base();
        values.put("shadow.methods", "GET,POST");
        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .hasMessageContaining("shadow.methods: [")
                .hasMessageContaining("(expected: safe methods only, from GET, HEAD, OPTIONS; declare another method"
                        + " idempotent per route in shadow.rules-file)");
    }

    @Test
    void namesEveryInvalidAccessLogAndTracingValueInOneMessage() {
        Map<String, String> values = base();
        values.put("access-log.enabled", "yes");
        values.put("access-log.sample", "1.5");
        values.put("access-log.queue-size", "0");
        values.put("tracing.otlp-endpoint", "grpc://collector:4317");

        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("access-log.enabled: 'yes' (expected: true or false)")
                .hasMessageContaining("tracing.otlp-endpoint: 'grpc://collector:4317' (expected: an http:// or https://"
                        + " URL with a host and no query, such as http://10.0.0.5:8080)");
        values.put("access-log.enabled", "true");
        values.put("tracing.otlp-endpoint", "");
        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .hasMessageContaining("access-log.sample: 1.5 (expected: a number from 0 to 1, such as 0.01 for one"
                        + " request in a hundred)");
        values.put("access-log.file", dir.resolve("missing/access.log").toString());
        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .hasMessageContaining("access-log.file: '" + dir.resolve("missing/access.log")
                        + "' (expected: a file in a directory that exists (" + dir.resolve("missing") + " does not))");
        values.put("access-log.file", dir.resolve("access.log").toString());
        values.put("access-log.sample", "often");
        assertThatThrownBy(() -> load(values, Optional.empty(), Map.of()))
                .hasMessageContaining("access-log.sample: 'often' (expected: a number from 0 to 1, such as 0.01)")
                .hasMessageContaining("access-log.queue-size: 0 (expected: > 0)");
    }

    @Test
    void sendsSpansToTheStandardTracesPathWhenTheEndpointHasNone() throws InvalidConfigException {
        Map<String, String> values = base();
        values.put("tracing.otlp-endpoint", "http://127.0.0.1:4318");
        assertThat(load(values, Optional.empty(), Map.of()).config().tracing().otlpEndpoint())
                .contains(URI.create("http://127.0.0.1:4318/v1/traces"));
        values.put("tracing.otlp-endpoint", "http://127.0.0.1:4318/custom/traces");
        assertThat(load(values, Optional.empty(), Map.of()).config().tracing().otlpEndpoint())
                .contains(URI.create("http://127.0.0.1:4318/custom/traces"));
    }

    @Test
    void namesEveryClientLimitItCannotUseInOneMessage() {
        Map<String, String> base = base();
        base.put("limits.request-head-timeout", "0s");
        base.put("limits.keep-alive-timeout", "soon");
        base.put("limits.h2-max-resets", "many");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "limits.keep-alive-timeout: 'soon' (expected: a duration such as 250ms, 2s, 5m or 1h)",
                        "limits.h2-max-resets: 'many' (expected: a whole number)",
                        "limits.request-head-timeout: 0s (expected: > 0, such as 10s)");
    }

    @Test
    void refusesAnHttp2StreamLimitBelowOne() {
        Map<String, String> base = base();
        base.put("limits.h2-max-concurrent-streams", "0");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly("limits.h2-max-concurrent-streams: 0 (expected: more than 0)");
    }

    @Test
    void asksForTheFlagsFileWhenGivenOnlyTheTwoBackendUrls() {
        Map<String, String> urls =
                Map.of("backends.legacy.url", "http://127.0.0.1:8081", "backends.new.url", "http://127.0.0.1:8082");

        assertThat(problems(urls, Optional.empty(), Map.of()))
                .containsExactly("flags.file: empty (expected: a file when flags.source is file)");
    }

    @Test
    void readsNestedAndDottedKeysFromTheSameFile() throws InvalidConfigException {
        Path file = yaml(
                """
                pool:
                  max-connections: 7
                  max-idle-time: 3s
                pool.max-life-time: 1m
                tenant:
                  jwt.claim: org
                  jwt:
                    audience: ferry
                """);

        RouterConfig config = load(base(), Optional.of(file), Map.of()).config();

        assertThat(config.pool().maxConnections()).isEqualTo(7);
        assertThat(config.pool().maxIdleTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.pool().maxLifeTime()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.tenant().jwt().claim()).isEqualTo("org");
        assertThat(config.tenant().jwt().audience()).isEqualTo("ferry");
    }

    @Test
    void readsYamlListsLikeCommaSeparatedText() throws InvalidConfigException {
        Path file = yaml(
                """
                listen:
                  protocols: [http1]
                breaker:
                  failure-statuses:
                    - 500
                    - 503
                tenant.sources: path, header
                """);

        RouterConfig config = load(base(), Optional.of(file), Map.of()).config();

        assertThat(config.listen().protocols()).containsExactly(Protocol.HTTP1);
        assertThat(config.breaker().failureStatuses()).containsExactlyInAnyOrder(500, 503);
        assertThat(config.tenant().sources()).containsExactly(Source.PATH, Source.HEADER);
    }

    @Test
    void letsTheEnvironmentOverrideTheFileAndTheFileOverrideTheBase() throws InvalidConfigException {
        Map<String, String> base = base();
        base.put("listen.port", "1000");
        base.put("admin.port", "1001");
        base.put("listen.host", "10.0.0.1");
        Path file = yaml("""
                listen.port: 2000
                admin.port: 2001
                """);

        RouterConfig config = load(base, Optional.of(file), Map.of("FERRY_LISTEN_PORT", " 3000 "))
                .config();

        assertThat(config.listen().port()).isEqualTo(3000);
        assertThat(config.admin().port()).isEqualTo(2001);
        assertThat(config.listen().host()).isEqualTo("10.0.0.1");
    }

    @Test
    void reportsEveryProblemOfAFileInOneMessage() throws IOException {
        Path file = yaml(
                """
                listen:
                  port: 80800
                pool:
                  max-idle-time: 5 seconds
                  max-idel-time: 3s
                backends:
                  legacy:
                    url: localhost:8081
                """);
        Map<String, String> flagsOnly = Map.of("flags.file", flagsFile.toString());

        assertThatThrownBy(() -> ConfigLoader.load(flagsOnly, Optional.of(file), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage(
                        """
                        5 configuration problems:
                          - unknown key 'pool.max-idel-time' in config file %s (did you mean 'pool.max-idle-time'?)
                          - listen.port: 80800 (expected: 0 to 65535)
                          - backends.legacy.url: 'localhost:8081' (expected: an http:// or https:// URL with a host \
                        and no query, such as http://10.0.0.5:8080)
                          - backends.new.url: empty (expected: an http:// or https:// URL, such as http://10.0.0.5:8080)
                          - pool.max-idle-time: '5 seconds' (expected: a duration such as 250ms, 2s, 5m or 1h)"""
                                .formatted(file));
    }

    @Test
    void reportsOneProblemInTheSingular() {
        assertThatThrownBy(() -> load(base(), Optional.empty(), Map.of("FERRY_ADMIN_PORT", "-1")))
                .hasMessage("1 configuration problem:\n  - admin.port: -1 (expected: 0 to 65535)");
    }

    @Test
    void reportsAnUnknownFerryEnvironmentVariableAndIgnoresAllOthers() {
        Map<String, String> env = Map.of("FERRY_POOL_MAX_IDEL_TIME", "3s", "PATH", "/usr/bin", "JAVA_HOME", "/opt");

        assertThat(problems(base(), Optional.empty(), env))
                .containsExactly("unknown environment variable FERRY_POOL_MAX_IDEL_TIME (expected: FERRY_ followed by"
                        + " a configuration key in upper snake case, such as FERRY_POOL_MAX_IDLE_TIME)");
    }

    @Test
    void reportsAnUnknownKeyWithoutASuggestionWhenNothingIsClose() {
        Map<String, String> base = base();
        base.put("colour", "blue");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "unknown key 'colour' in built-in value (expected: a key from the README's configuration table)");
    }

    @Test
    void reportsAMapWhereASingleValueBelongs() throws IOException {
        Path file = yaml(
                """
                listen:
                  port:
                    number: 8080
                """);

        assertThat(problems(base(), Optional.of(file), Map.of()))
                .containsExactly("listen.port: a map in config file " + file + " (expected: a single value)");
    }

    @Test
    void showsSecretsAsStarsInTheEffectiveConfiguration() throws InvalidConfigException {
        Map<String, String> base = base();
        base.put("tenant.jwt.hs256-secret", SECRET);
        base.put("flags.source", "unleash");
        base.put("flags.unleash.url", "http://127.0.0.1:4242/api");
        base.put("flags.unleash.backup-file", dir.resolve("backup.json").toString());

        List<String> lines = load(base, Optional.empty(), Map.of("FERRY_FLAGS_UNLEASH_TOKEN", TOKEN))
                .describe();

        assertThat(lines)
                .hasSize(ConfigKey.values().length)
                .contains(
                        "tenant.jwt.hs256-secret = ***",
                        "flags.unleash.token = ***",
                        "flags.unleash.url = http://127.0.0.1:4242/api",
                        "pool.max-idle-time = 4s");
        assertThat(String.join("\n", lines)).doesNotContain(SECRET).doesNotContain(TOKEN);
    }

    @Test
    void showsAnEmptySecretAsEmpty() throws InvalidConfigException {
        assertThat(load(base(), Optional.empty(), Map.of()).describe())
                .contains("tenant.jwt.hs256-secret = ", "flags.unleash.token = ");
    }

    @Test
    void showsSecretsAsStarsInErrorMessages() {
        Map<String, String> base = base();
        base.put("tenant.jwt.hs256-secret", "too-short-a-secret");

        assertThatThrownBy(() -> load(base, Optional.empty(), Map.of()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems())
                        .containsExactly(
                                "tenant.jwt.hs256-secret: *** (expected: at least 32 bytes, as HS256 requires)"))
                .message()
                .doesNotContain("too-short-a-secret");
    }

    @Test
    void reportsInvalidYamlWithLineAndColumn() throws IOException {
        Path file = yaml(
                """
                listen:
                  port: 8080
                 host: 127.0.0.1
                """);

        assertThat(problems(base(), Optional.of(file), Map.of()))
                .containsExactly("config file " + file + ": not valid YAML at line 3, column 2: expected <block end>,"
                        + " but found '<block mapping start>', while parsing a block mapping at line 1, column 1");
    }

    @Test
    void showsNoTextOfTheFileInAYamlError() throws IOException {
        Path file = yaml(
                """
                tenant:
                  jwt:
                    hs256-secret: "%s
                """
                        .formatted(SECRET));

        assertThat(problems(base(), Optional.of(file), Map.of()))
                .containsExactly("config file " + file + ": not valid YAML at line 4, column 1: found unexpected end of"
                        + " stream, while scanning a quoted scalar at line 3, column 19");
    }

    @Test
    void reportsAConfigFileThatDoesNotExist() {
        Path missing = dir.resolve("nowhere.yaml");

        assertThat(problems(base(), Optional.of(missing), Map.of()))
                .containsExactly("config file " + missing
                        + ": not a readable file (expected: a YAML file, see README 'Configuration')");
    }

    @Test
    void readsAnEmptyFileAsAllDefaults() throws InvalidConfigException {
        assertThat(load(base(), Optional.of(yaml("")), Map.of())
                        .config()
                        .listen()
                        .port())
                .isEqualTo(8080);
    }

    @Test
    void refusesTheUnleashSourceWithoutUrlOrToken() {
        Map<String, String> base = base();
        base.put("flags.source", "unleash");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "flags.unleash.url: empty (expected: an http:// or https:// URL, such as http://10.0.0.5:8080)",
                        "flags.unleash.token: empty (expected: an Unleash client token)");
    }

    @Test
    void namesEveryCutoverValueItCannotRead() {
        Map<String, String> base = base();
        base.put("cutover.lease-mode", "sometimes");
        base.put("cutover.check-url", "ftp://lag/{tenant}");
        base.put("cutover.clock-skew", "soon");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "cutover.clock-skew: 'soon' (expected: a duration such as 250ms, 2s, 5m or 1h)",
                        "cutover.lease-mode: 'sometimes' (expected: one of window, always, never)",
                        "cutover.check-url: 'ftp://lag/{tenant}' (expected: an http:// or https:// URL, {tenant}"
                                + " standing for the tenant id, such as"
                                + " http://10.0.0.7:8080/replication/{tenant}/caught-up)");
    }

    @Test
    void refusesAHoldTimeoutShorterThanTheHoldAroundAMove() {
        Map<String, String> base = base();
        base.put("cutover.hold-timeout", "1s");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly("cutover.hold-timeout: 1s (expected: longer than 2 x cutover.clock-skew +"
                        + " cutover.legacy-deadline, 1500ms, the least a moving tenant's requests are held)");
    }

    @Test
    void refusesALeaseNoLongerThanThePollInterval() {
        Map<String, String> base = base();
        base.put("flags.source", "unleash");
        base.put("flags.unleash.url", "http://127.0.0.1:4242/api");
        base.put("flags.unleash.token", TOKEN);
        base.put("flags.unleash.refresh-interval", "5s");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly("cutover.lease: 3s (expected: longer than flags.unleash.refresh-interval, 5s, or"
                        + " every replica is stale between two polls)");
    }

    @Test
    void refusesTheJwtSourceWithoutASecretOrAJwks() {
        Map<String, String> base = base();
        base.put("tenant.sources", "jwt");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly("tenant.sources: includes jwt, but neither tenant.jwt.hs256-secret nor tenant.jwt.jwks"
                        + " is set (expected: one of them, so that tokens can be verified)");
    }

    @ParameterizedTest(name = "max-idle-time {0}, max-life-time {1}")
    @CsvSource({"4s, 4s", "4s, 3s", "2m, 90s"})
    void refusesAMaxLifeTimeNotLongerThanTheIdleTime(String idle, String life) {
        Map<String, String> base = base();
        base.put("pool.max-idle-time", idle);
        base.put("pool.max-life-time", life);

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "pool.max-life-time: " + life + " (expected: longer than pool.max-idle-time, " + idle + ")");
    }

    @ParameterizedTest
    @CsvSource({"1500ms", "500ms", "0s"})
    void refusesARefreshIntervalThatIsNotWholeSecondsOfAtLeastOne(String interval) {
        Map<String, String> base = unleash();
        base.put("flags.unleash.refresh-interval", interval);

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "flags.unleash.refresh-interval: " + interval + " (expected: whole seconds, 1s or more)");
    }

    @Test
    void refusesAFlagsFileThatDoesNotExist() {
        Map<String, String> base = base();
        String missing = dir.resolve("missing.json").toString();
        base.put("flags.file", missing);

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "flags.file: '" + missing + "' does not exist or is not a file (expected: a readable file)");
    }

    @Test
    void reportsTheOtherTenantKeysWhenTheJwtPartIsInvalid() {
        Map<String, String> base = base();
        base.put("tenant.jwt.hs256-secret", "too-short-a-secret");
        base.put("tenant.header", " ");
        base.put("tenant.max-length", "long");
        base.put("tenant.when-missing", "guess");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "tenant.jwt.hs256-secret: *** (expected: at least 32 bytes, as HS256 requires)",
                        "tenant.max-length: 'long' (expected: a whole number)",
                        "tenant.when-missing: 'guess' (expected: one of reject, legacy)",
                        "tenant.header: empty (expected: a header name such as X-Tenant-Id)");
    }

    @Test
    void reportsTheSharedFlagKeysWhenTheUnleashServerIsIncomplete() {
        Map<String, String> base = base();
        base.put("flags.source", "unleash");
        base.put("flags.unleash.url", "http://127.0.0.1:4242/api");
        base.put("flags.flag-name", "route tenant");
        base.put("flags.cache.max-tenants", "many");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "flags.unleash.token: empty (expected: an Unleash client token)",
                        "flags.cache.max-tenants: 'many' (expected: a whole number)",
                        "flags.flag-name: 'route tenant' (expected: an Unleash flag name, 1-100 of A-Z a-z 0-9 . _ ~ -)");
    }

    @Test
    void reportsNoCheckMadeAgainstTheStandInForAValueThatDidNotParse() {
        Map<String, String> base = base();
        base.remove("flags.file");
        base.put("flags.source", "consul");
        base.put("pool.max-idle-time", "5 seconds");
        base.put("pool.max-life-time", "3s");

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(
                        "pool.max-idle-time: '5 seconds' (expected: a duration such as 250ms, 2s, 5m or 1h)",
                        "flags.source: 'consul' (expected: one of file, unleash)");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "pool.max-idle-time, 9999999999999999h",
        "pool.max-idle-time, 99999999999999999999s",
        "flags.unleash.refresh-interval, 9999999999999h"
    })
    void reportsADurationTooLongToCountInMillisecondsInsteadOfFailing(String key, String value) {
        Map<String, String> base = unleash();
        base.put(key, value);

        assertThat(problems(base, Optional.empty(), Map.of()))
                .containsExactly(key + ": '" + value + "' (expected: a duration such as 250ms, 2s, 5m or 1h)");
    }

    // ---- helpers ----

    /** The two backend URLs and an existing flags file: the least a valid configuration needs. */
    private Map<String, String> base() {
        Map<String, String> base = new HashMap<>();
        base.put("backends.legacy.url", "http://127.0.0.1:8081");
        base.put("backends.new.url", "http://127.0.0.1:8082");
        base.put("flags.file", flagsFile.toString());
        return base;
    }

    /** {@link #base()} with a complete Unleash server source. */
    private Map<String, String> unleash() {
        Map<String, String> base = base();
        base.put("flags.source", "unleash");
        base.put("flags.unleash.url", "http://127.0.0.1:4242/api");
        base.put("flags.unleash.token", TOKEN);
        return base;
    }

    private Path yaml(String text) {
        try {
            return Files.writeString(dir.resolve("ferry.yaml"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void takesATlsCertificateAndKeyTogetherAndNamesWhatCannotServe() throws Exception {
        dev.ferry.router.testing.TestCertificate tls = dev.ferry.router.testing.TestCertificate.in(dir);
        Map<String, String> secure = base();
        secure.putAll(tls.config());
        ListenConfig listen = load(secure, Optional.empty(), Map.of()).config().listen();
        assertThat(listen.tls()).isEqualTo(new ListenConfig.Tls(tls.certificate(), tls.privateKey()));
        assertThat(listen.http2()).isTrue();

        Map<String, String> keyOnly = base();
        keyOnly.put("listen.tls.private-key", tls.privateKey().toString());
        Map<String, String> swapped = base();
        swapped.put("listen.tls.certificate", tls.privateKey().toString());
        swapped.put("listen.tls.private-key", tls.certificate().toString());
        Path other = Files.createDirectories(dir.resolve("other"));
        dev.ferry.router.testing.TestCertificate otherTls = dev.ferry.router.testing.TestCertificate.in(other);
        Map<String, String> mismatched = base();
        mismatched.put("listen.tls.certificate", tls.certificate().toString());
        mismatched.put("listen.tls.private-key", otherTls.privateKey().toString());
        Map<String, String> cleartextH2 = new HashMap<>(secure);
        cleartextH2.put("listen.protocols", "http1,h2c");

        assertThat(problems(keyOnly, Optional.empty(), Map.of()))
                .containsExactly("listen.tls.certificate: empty (expected: set with listen.tls.private-key, or neither"
                        + " for a plain port)");
        assertThat(problems(swapped, Optional.empty(), Map.of()))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("listen.tls.certificate, listen.tls.private-key: not usable for TLS: ")
                .endsWith("(expected: a PEM certificate chain and the PEM PKCS#8 private key it was issued for)");
        assertThat(problems(mismatched, Optional.empty(), Map.of()))
                .containsExactly("listen.tls.certificate, listen.tls.private-key: the private key is not the"
                        + " certificate's (its public key does not verify what the private key signs) (expected: a PEM"
                        + " certificate chain and the PEM PKCS#8 private key it was issued for)");
        assertThat(problems(cleartextH2, Optional.empty(), Map.of()))
                .containsExactly("listen.protocols: h2c is cleartext HTTP/2 but listen.tls.* is set (expected:"
                        + " http1, h2; over TLS, h2 is negotiated by ALPN)");
    }

    @Test
    void sharesTheOpenFilesLimitAndNamesABudgetThatDoesNotFit() throws Exception {
        DescriptorBudget budget =
                load(base(), Optional.empty(), Map.of()).config().descriptors();
        assertThat(budget.openFilesLimit()).isPositive();
        assertThat(budget.backendConnections()).isEqualTo(2 * 500 * 2);
        assertThat(budget.maxClientConnections()).isEqualTo((int) DescriptorBudget.derived(
                budget.openFilesLimit(), budget.openAtStart(), 256, budget.backendConnections()));

        Map<String, String> notANumber = base();
        notANumber.put("limits.max-client-connections", "lots");
        Map<String, String> tooMany = base();
        tooMany.put("limits.max-client-connections", String.valueOf(Integer.MAX_VALUE));
        Map<String, String> allReserved = base();
        allReserved.put("limits.descriptor-reserve", String.valueOf(budget.openFilesLimit()));

        assertThat(problems(notANumber, Optional.empty(), Map.of()))
                .containsExactly(
                        "limits.max-client-connections: 'lots' (expected: auto, or a whole number of 1 or more)");
        assertThat(problems(tooMany, Optional.empty(), Map.of()))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("limits.max-client-connections: " + Integer.MAX_VALUE + " (expected: at most ")
                .contains("open-files limit " + budget.openFilesLimit());
        assertThat(problems(allReserved, Optional.empty(), Map.of()))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("limits.max-client-connections: auto, but only 0 client connections fit (")
                .endsWith("raise the open-files limit (ulimit -n, LimitNOFILE=, a container's nofile), or lower"
                        + " pool.max-connections or limits.descriptor-reserve)");
    }

    private static ConfigLoader.Loaded load(Map<String, String> base, Optional<Path> file, Map<String, String> env)
            throws InvalidConfigException {
        return ConfigLoader.load(base, file, env);
    }

    private static List<String> problems(Map<String, String> base, Optional<Path> file, Map<String, String> env) {
        try {
            ConfigLoader.load(base, file, env);
        } catch (InvalidConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected an InvalidConfigException, but the configuration loaded");
    }
}
