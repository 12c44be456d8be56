package dev.ferry.router.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.router.config.ListenConfig.Protocol;
import dev.ferry.router.config.TenantConfig.JwtConfig;
import dev.ferry.router.config.TenantConfig.Source;
import dev.ferry.router.config.TenantConfig.WhenMissing;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Builds a {@link RouterConfig} from, in rising precedence: the defaults of {@link ConfigKey}, the given base values
 * (the demo's), a YAML file, and {@code FERRY_*} environment variables. Every problem is collected and reported at
 * once in an {@link InvalidConfigException}; nothing falls back quietly.
 */
public final class ConfigLoader {
    private final Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
    private final List<String> problems = new ArrayList<>();
    private final Set<ConfigKey> unparsable = EnumSet.noneOf(ConfigKey.class);

    private ConfigLoader() {
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.defaultValue());
        }
    }

    /**
     * @param base values that replace the defaults (by key, such as {@code backends.legacy.url}); the file and the
     *     environment still override them
     * @param file the YAML file, if any
     * @param env the environment ({@code System.getenv()})
     */
    public static Loaded load(Map<String, String> base, Optional<Path> file, Map<String, String> env)
            throws InvalidConfigException {
        ConfigLoader loader = new ConfigLoader();
        base.forEach((key, value) -> loader.set(key, value, "built-in value"));
        file.ifPresent(loader::readFile);
        loader.readEnv(env);
        RouterConfig config = loader.build();
        if (!loader.problems.isEmpty()) {
            throw new InvalidConfigException(loader.problems);
        }
        return new Loaded(config, Map.copyOf(loader.values));
    }

    /** The built config and the text of every key it was built from (for the effective-config log). */
    public record Loaded(RouterConfig config, Map<ConfigKey, String> values) {
        /** One line per key, {@code key = value}, secrets as {@code ***}. */
        public List<String> describe() {
            List<String> lines = new ArrayList<>();
            for (ConfigKey key : ConfigKey.values()) {
                String value = values.getOrDefault(key, "");
                lines.add(key.key() + " = " + (key.secret() && !value.isEmpty() ? "***" : value));
            }
            return lines;
        }
    }

    private void set(String key, String value, String origin) {
        ConfigKey k = ConfigKey.byKey(key);
        if (k == null) {
            problems.add("unknown key '" + key + "' in " + origin + suggestion(key));
            return;
        }
        values.put(k, value == null ? "" : value.trim());
    }

    private void readFile(Path file) {
        String origin = "config file " + file;
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            problems.add(origin + ": not a readable file (expected: a YAML file, see README 'Configuration')");
            return;
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            problems.add(origin + ": not valid YAML " + yamlProblem(e));
            return;
        } catch (IOException e) {
            problems.add(origin + ": cannot be read (" + e.getMessage() + ")");
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file: all defaults
        }
        if (!root.isObject()) {
            problems.add(
                    origin + ": top level is a " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                            + " (expected: a map of keys, such as 'listen:')");
            return;
        }
        flatten("", root, origin);
    }

    /**
     * Where and what, without the parser's excerpt of the file: the excerpt spans lines and may show a secret (an
     * unterminated quoted {@code hs256-secret}, say).
     */
    private static String yamlProblem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            String at = "at line " + (m.getProblemMark().getLine() + 1) + ", column "
                    + (m.getProblemMark().getColumn() + 1) + ": " + m.getProblem();
            return m.getContext() == null || m.getContextMark() == null
                    ? at
                    : at + ", " + m.getContext() + " at line "
                            + (m.getContextMark().getLine() + 1) + ", column "
                            + (m.getContextMark().getColumn() + 1);
        }
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String where = e.getLocation() == null
                ? ""
                : "at line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ": ";
        return where + message.lines().findFirst().orElse("");
    }

    private void flatten(String prefix, JsonNode node, String origin) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject() && ConfigKey.byKey(key) == null) {
                flatten(key + ".", value, origin);
            } else if (value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                set(key, String.join(",", items), origin);
            } else if (value.isObject()) {
                problems.add(key + ": a map in " + origin + " (expected: a single value)");
            } else {
                set(key, value.isNull() ? "" : value.asText(), origin);
            }
        }
    }

    private void readEnv(Map<String, String> env) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("FERRY_")) {
                continue;
            }
            ConfigKey match = null;
            for (ConfigKey key : ConfigKey.values()) {
                if (key.envName().equals(e.getKey())) {
                    match = key;
                }
            }
            if (match == null) {
                problems.add("unknown environment variable " + e.getKey()
                        + " (expected: FERRY_ followed by a configuration key in upper snake case, such as "
                        + ConfigKey.POOL_MAX_IDLE_TIME.envName() + ")");
            } else {
                values.put(match, e.getValue().trim());
            }
        }
    }

    private static String suggestion(String key) {
        ConfigKey best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey k : ConfigKey.values()) {
            int d = distance(key, k.key());
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4)
                ? " (did you mean '" + best.key() + "'?)"
                : " (expected: a key from the README's configuration table)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---- typed reads: each records a problem and returns a stand-in so that every key is still checked ----

    private String text(ConfigKey key) {
        return values.get(key);
    }

    private int integer(ConfigKey key) {
        String raw = text(key);
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            fail(key, "a whole number");
            return Integer.parseInt(key.defaultValue());
        }
    }

    private boolean bool(ConfigKey key) {
        String raw = text(key).toLowerCase(Locale.ROOT);
        if (raw.equals("true") || raw.equals("false")) {
            return Boolean.parseBoolean(raw);
        }
        fail(key, "true or false");
        return Boolean.parseBoolean(key.defaultValue());
    }

    private Duration duration(ConfigKey key) {
        try {
            return Durations.parse(text(key));
        } catch (IllegalArgumentException e) {
            fail(key, "a duration such as 250ms, 2s, 5m or 1h");
            return Durations.parse(key.defaultValue());
        }
    }

    private long size(ConfigKey key) {
        try {
            return Sizes.parse(text(key));
        } catch (IllegalArgumentException e) {
            fail(key, "a size such as 512k, 100m or 1g");
            return Sizes.parse(key.defaultValue());
        }
    }

    private <E extends Enum<E>> E choice(ConfigKey key, Class<E> type) {
        String raw = text(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(raw.replace('-', '_'))) {
                return e;
            }
        }
        fail(key, "one of " + names(type));
        return Enum.valueOf(type, key.defaultValue().toUpperCase(Locale.ROOT));
    }

    private <E extends Enum<E>> List<E> choices(ConfigKey key, Class<E> type) {
        List<E> out = new ArrayList<>();
        for (String item : items(key)) {
            E match = null;
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(item.replace('-', '_'))) {
                    match = e;
                }
            }
            if (match == null) {
                fail(key, "a list of " + names(type));
                return List.of();
            }
            if (out.contains(match)) {
                fail(key, "each of " + names(type) + " at most once");
                return List.of();
            }
            out.add(match);
        }
        return out;
    }

    private List<String> items(ConfigKey key) {
        List<String> out = new ArrayList<>();
        for (String item : text(key).split(",")) {
            if (!item.isBlank()) {
                out.add(item.trim());
            }
        }
        return out;
    }

    private Optional<Path> path(ConfigKey key, boolean mustExist) {
        String raw = text(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Path p = filePath(key);
        if (mustExist && !unparsable.contains(key) && !Files.isRegularFile(p)) {
            problems.add(key.key() + ": '" + raw + "' does not exist or is not a file (expected: a readable file)");
        }
        return Optional.of(p);
    }

    /** A path the file system can name (a NUL character, say, it cannot); a stand-in after reporting one. */
    private Path filePath(ConfigKey key) {
        try {
            return Path.of(text(key));
        } catch (java.nio.file.InvalidPathException e) {
            fail(key, "a file path");
            return Path.of("invalid-path");
        }
    }

    /** The proxy port's certificate and key, both or neither, each read as TLS would; null for a plain port. */
    private ListenConfig.Tls tls() {
        Optional<Path> certificate = path(ConfigKey.LISTEN_TLS_CERTIFICATE, true);
        Optional<Path> key = path(ConfigKey.LISTEN_TLS_PRIVATE_KEY, true);
        if (certificate.isEmpty() && key.isEmpty()) {
            return null;
        }
        if (certificate.isEmpty() || key.isEmpty()) {
            ConfigKey missing =
                    certificate.isEmpty() ? ConfigKey.LISTEN_TLS_CERTIFICATE : ConfigKey.LISTEN_TLS_PRIVATE_KEY;
            problems.add(missing.key() + ": empty (expected: set with "
                    + (certificate.isEmpty() ? ConfigKey.LISTEN_TLS_PRIVATE_KEY : ConfigKey.LISTEN_TLS_CERTIFICATE)
                            .key()
                    + ", or neither for a plain port)");
            return null;
        }
        if (!Files.isRegularFile(certificate.get()) || !Files.isRegularFile(key.get())) {
            return null; // named by path()
        }
        String expected = " (expected: a PEM certificate chain and the PEM PKCS#8 private key it was issued for)";
        String keys = ConfigKey.LISTEN_TLS_CERTIFICATE.key() + ", " + ConfigKey.LISTEN_TLS_PRIVATE_KEY.key();
        try {
            SslContextBuilder.forServer(certificate.get().toFile(), key.get().toFile())
                    .build();
            if (!TlsFiles.keyMatches(certificate.get(), key.get())) {
                problems.add(keys + ": the private key is not the certificate's (its public key does not verify what"
                        + " the private key signs)" + expected);
                return null;
            }
        } catch (Exception | Error e) {
            problems.add(keys + ": not usable for TLS: " + e.getMessage() + expected);
            return null;
        }
        return new ListenConfig.Tls(certificate.get(), key.get());
    }

    private URI url(ConfigKey key, boolean required) {
        String raw = text(key);
        if (raw.isEmpty()) {
            if (required) {
                problems.add(
                        key.key() + ": empty (expected: an http:// or https:// URL, such as http://10.0.0.5:8080)");
                unparsable.add(key);
            }
            return null;
        }
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https"))
                    && uri.getHost() != null
                    && uri.getRawQuery() == null
                    && uri.getRawFragment() == null
                    && uri.getUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below, with what is expected
        }
        fail(key, "an http:// or https:// URL with a host and no query, such as http://10.0.0.5:8080");
        return null;
    }

    private void fail(ConfigKey key, String expected) {
        unparsable.add(key);
        String shown = key.secret() ? "***" : "'" + text(key) + "'";
        problems.add(key.key() + ": " + shown + " (expected: " + expected + ")");
    }

    private static <E extends Enum<E>> String names(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return String.join(", ", names);
    }

    // ---- records ----

    private RouterConfig build() {
        ListenConfig.Tls tls = tls();
        ListenConfig listen = record(() -> new ListenConfig(
                text(ConfigKey.LISTEN_HOST),
                integer(ConfigKey.LISTEN_PORT),
                Set.copyOf(choices(ConfigKey.LISTEN_PROTOCOLS, Protocol.class)),
                tls));
        AdminConfig admin = record(() -> new AdminConfig(text(ConfigKey.ADMIN_HOST), integer(ConfigKey.ADMIN_PORT)));
        URI legacy = url(ConfigKey.BACKEND_LEGACY_URL, true);
        URI newUrl = url(ConfigKey.BACKEND_NEW_URL, true);
        BackendsConfig backends = legacy == null || newUrl == null ? null : new BackendsConfig(legacy, newUrl);
        PoolConfig pool = record(() -> new PoolConfig(
                integer(ConfigKey.POOL_MAX_CONNECTIONS),
                integer(ConfigKey.POOL_PENDING_ACQUIRE_MAX),
                duration(ConfigKey.POOL_PENDING_ACQUIRE_TIMEOUT),
                duration(ConfigKey.POOL_MAX_IDLE_TIME),
                duration(ConfigKey.POOL_MAX_LIFE_TIME)));
        TimeoutConfig timeouts = record(() -> new TimeoutConfig(
                duration(ConfigKey.TIMEOUT_CONNECT),
                duration(ConfigKey.TIMEOUT_RESPONSE),
                duration(ConfigKey.TIMEOUT_CLIENT_READ)));
        BreakerConfig breaker = record(() -> new BreakerConfig(
                integer(ConfigKey.BREAKER_FAILURE_RATE),
                integer(ConfigKey.BREAKER_WINDOW),
                integer(ConfigKey.BREAKER_MINIMUM_CALLS),
                duration(ConfigKey.BREAKER_WAIT_IN_OPEN),
                integer(ConfigKey.BREAKER_HALF_OPEN_CALLS),
                statuses()));
        TenantConfig tenant = record(this::tenant);
        FlagsConfig flags = record(this::flags);
        ForwardingConfig forwarding = record(() -> new ForwardingConfig(
                header(ConfigKey.FORWARD_SERVED_BY_HEADER),
                header(ConfigKey.FORWARD_TENANT_HEADER),
                bool(ConfigKey.FORWARD_PRESERVE_HOST),
                bool(ConfigKey.FORWARD_TRUST_FORWARDED),
                bool(ConfigKey.FORWARD_FAST_PATH),
                choice(ConfigKey.FORWARD_LOOKALIKE_HEADERS, ForwardingConfig.Lookalikes.class)));
        ShutdownConfig shutdown = record(() ->
                new ShutdownConfig(duration(ConfigKey.SHUTDOWN_DRAIN_DELAY), duration(ConfigKey.SHUTDOWN_TIMEOUT)));
        LimitsConfig limits = record(() -> new LimitsConfig(
                size(ConfigKey.LIMITS_MAX_REQUEST_BODY),
                duration(ConfigKey.LIMITS_REQUEST_HEAD_TIMEOUT),
                duration(ConfigKey.LIMITS_KEEP_ALIVE_TIMEOUT),
                integer(ConfigKey.LIMITS_H2_MAX_CONCURRENT_STREAMS),
                integer(ConfigKey.LIMITS_H2_MAX_RESETS)));
        CutoverConfig cutover = record(() -> new CutoverConfig(
                duration(ConfigKey.CUTOVER_CLOCK_SKEW),
                duration(ConfigKey.CUTOVER_LEGACY_DEADLINE),
                duration(ConfigKey.CUTOVER_LEASE),
                choice(ConfigKey.CUTOVER_LEASE_MODE, CutoverConfig.LeaseMode.class),
                text(ConfigKey.CUTOVER_WINDOW_FLAG),
                duration(ConfigKey.CUTOVER_WINDOW_LEASE),
                duration(ConfigKey.CUTOVER_HOLD_TIMEOUT),
                integer(ConfigKey.CUTOVER_MAX_HELD),
                integer(ConfigKey.CUTOVER_MAX_HELD_PER_TENANT),
                checkUrl(),
                duration(ConfigKey.CUTOVER_CHECK_INTERVAL)));
        if (cutover != null && flags != null) {
            flags.unleash().ifPresent(server -> {
                if (cutover.lease().compareTo(server.refreshInterval()) <= 0) {
                    problems.add("cutover.lease: " + Durations.format(cutover.lease())
                            + " (expected: longer than flags.unleash.refresh-interval, "
                            + Durations.format(server.refreshInterval())
                            + ", or every replica is stale between two polls)");
                }
            });
        }
        AccessLogConfig accessLog = record(() -> new AccessLogConfig(
                bool(ConfigKey.ACCESS_LOG_ENABLED),
                fraction(ConfigKey.ACCESS_LOG_SAMPLE),
                appendable(ConfigKey.ACCESS_LOG_FILE),
                integer(ConfigKey.ACCESS_LOG_QUEUE_SIZE)));
        TracingConfig tracing = record(() -> new TracingConfig(otlpEndpoint(), text(ConfigKey.TRACING_SERVICE_NAME)));
        ShadowConfig shadow = shadow();
        if (shadow != null && flags != null && shadow.flag().equals(flags.flagName())) {
            problems.add("shadow.flag: '" + shadow.flag() + "' (expected: a flag of its own, not the routing flag"
                    + " flags.flag-name)");
        }
        DescriptorBudget descriptors = pool == null || forwarding == null ? null : descriptors(pool, forwarding);
        if (!problems.isEmpty()) {
            return null;
        }
        return new RouterConfig(
                listen,
                admin,
                backends,
                pool,
                timeouts,
                breaker,
                tenant,
                flags,
                forwarding,
                limits,
                descriptors,
                cutover,
                accessLog,
                tracing,
                shadow,
                shutdown);
    }

    /** Shadow reads: the keys, the rules file and the bar, every problem reported. */
    private ShadowConfig shadow() {
        ShadowRulesFile.Rules rules =
                new ShadowRulesFile.Rules(dev.ferry.router.shadow.RouteTable.of(List.of()), Set.of());
        Optional<Path> file = path(ConfigKey.SHADOW_RULES_FILE, true);
        if (file.isPresent() && Files.isRegularFile(file.get())) {
            try {
                rules = ShadowRulesFile.read(file.get());
            } catch (IllegalArgumentException e) {
                e.getMessage().lines().forEach(problems::add);
            }
        }
        ShadowRulesFile.Rules read = rules;
        List<String> methods = items(ConfigKey.SHADOW_METHODS).stream()
                .map(m -> m.toUpperCase(Locale.ROOT))
                .toList();
        dev.ferry.router.shadow.LagBound lag =
                record(() -> new dev.ferry.router.shadow.LagBound(duration(ConfigKey.SHADOW_REPLICATION_LAG)));
        dev.ferry.router.shadow.NoiseThresholds noise = record(() -> new dev.ferry.router.shadow.NoiseThresholds(
                fraction(ConfigKey.SHADOW_NOISE_RELATIVE), fraction(ConfigKey.SHADOW_NOISE_ABSOLUTE)));
        dev.ferry.router.shadow.ReadinessBar bar = record(() -> new dev.ferry.router.shadow.ReadinessBar(
                fraction(ConfigKey.SHADOW_MIN_LOWER_BOUND),
                integer(ConfigKey.SHADOW_MIN_COMPARED),
                integer(ConfigKey.SHADOW_MIN_PER_ROUTE),
                fraction(ConfigKey.SHADOW_LATENCY_MARGIN),
                duration(ConfigKey.SHADOW_LATENCY_MARGIN_FLOOR),
                fraction(ConfigKey.SHADOW_ERROR_RATE_MARGIN)));
        return record(() -> new ShadowConfig(
                bool(ConfigKey.SHADOW_ENABLED),
                text(ConfigKey.SHADOW_FLAG),
                Set.copyOf(methods),
                read.table(),
                read.idempotent(),
                fraction(ConfigKey.SHADOW_SAMPLE_RATE),
                fraction(ConfigKey.SHADOW_NOISE_SAMPLE_RATE),
                integer(ConfigKey.SHADOW_MAX_RATE),
                integer(ConfigKey.SHADOW_MAX_IN_FLIGHT),
                integer(ConfigKey.SHADOW_MAX_QUEUED),
                size(ConfigKey.SHADOW_MAX_BODY),
                duration(ConfigKey.SHADOW_TIMEOUT),
                lag == null ? new dev.ferry.router.shadow.LagBound(java.time.Duration.ofSeconds(5)) : lag,
                noise == null ? dev.ferry.router.shadow.NoiseThresholds.defaults() : noise,
                integer(ConfigKey.SHADOW_LATENCY_SAMPLES),
                bar == null ? dev.ferry.router.shadow.ReadinessBar.defaults() : bar));
    }

    /** The open-files limit shared out (see {@link DescriptorBudget}), read from this process as it starts. */
    private DescriptorBudget descriptors(PoolConfig pool, ForwardingConfig forwarding) {
        int reserve = integer(ConfigKey.LIMITS_DESCRIPTOR_RESERVE);
        if (!unparsable.contains(ConfigKey.LIMITS_DESCRIPTOR_RESERVE) && reserve < 0) {
            fail(ConfigKey.LIMITS_DESCRIPTOR_RESERVE, "0 or more");
        }
        String raw = text(ConfigKey.LIMITS_MAX_CLIENT_CONNECTIONS);
        boolean auto = raw.equalsIgnoreCase("auto");
        int wanted = 0;
        if (!auto) {
            try {
                wanted = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                wanted = 0;
            }
            if (wanted < 1) {
                fail(ConfigKey.LIMITS_MAX_CLIENT_CONNECTIONS, "auto, or a whole number of 1 or more");
            }
        }
        if (unparsable.contains(ConfigKey.LIMITS_MAX_CLIENT_CONNECTIONS)
                || unparsable.contains(ConfigKey.LIMITS_DESCRIPTOR_RESERVE)) {
            return null;
        }
        // Two backends, each with the fast path's pool and Reactor Netty's, each up to pool.max-connections.
        int backends = 2 * pool.maxConnections() * (forwarding.fastPath() ? 2 : 1);
        if (!(java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean os)) {
            return new DescriptorBudget(-1, -1, reserve, backends, auto ? Integer.MAX_VALUE : wanted);
        }
        long limit = os.getMaxFileDescriptorCount();
        long open = os.getOpenFileDescriptorCount();
        long fits = Math.min(Integer.MAX_VALUE, DescriptorBudget.derived(limit, open, reserve, backends));
        DescriptorBudget budget = new DescriptorBudget(limit, open, reserve, backends, auto ? (int) fits : wanted);
        if (fits < DescriptorBudget.MIN_CLIENT_CONNECTIONS) {
            problems.add(ConfigKey.LIMITS_MAX_CLIENT_CONNECTIONS.key() + ": " + raw + ", but only " + Math.max(0, fits)
                    + " client connections fit (" + budget.explain() + ") (expected: room for at least "
                    + DescriptorBudget.MIN_CLIENT_CONNECTIONS
                    + ": raise the open-files limit (ulimit -n, LimitNOFILE=, a container's nofile), or lower"
                    + " pool.max-connections or limits.descriptor-reserve)");
        } else if (!auto && wanted > fits) {
            problems.add(ConfigKey.LIMITS_MAX_CLIENT_CONNECTIONS.key() + ": " + wanted + " (expected: at most " + fits
                    + ", what the " + budget.explain() + " leaves; or raise the open-files limit)");
        }
        return budget;
    }

    /** A file Ferry appends to: in a directory that exists, and writable if it exists already. */
    private Optional<Path> appendable(ConfigKey key) {
        Optional<Path> file = path(key, false);
        if (file.isEmpty() || unparsable.contains(key)) {
            return file;
        }
        Path absolute = file.get().toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            fail(key, "a file in a directory that exists (" + parent + " does not)");
        } else if (Files.isDirectory(absolute)) {
            fail(key, "a file, not a directory");
        } else if (!Files.isWritable(Files.exists(absolute) ? absolute : parent)) {
            fail(key, "a file Ferry may append to, or create");
        }
        return file;
    }

    /** The collector's traces URL: {@code /v1/traces} when the URL has no path (OTLP/HTTP's own default). */
    private Optional<URI> otlpEndpoint() {
        URI url = url(ConfigKey.TRACING_OTLP_ENDPOINT, false);
        if (url == null) {
            return Optional.empty();
        }
        String path = url.getRawPath();
        return Optional.of(path == null || path.isEmpty() || path.equals("/") ? url.resolve("/v1/traces") : url);
    }

    private double fraction(ConfigKey key) {
        try {
            double value = Double.parseDouble(text(key));
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(key, "a number from 0 to 1, such as 0.01");
        return Double.parseDouble(key.defaultValue());
    }

    /** The check URL with a stand-in tenant must be a plain http(s) URL; {@code {tenant}} may be anywhere in it. */
    private Optional<String> checkUrl() {
        String raw = text(ConfigKey.CUTOVER_CHECK_URL);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(raw.replace("{tenant}", "t"));
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return Optional.of(raw);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        fail(
                ConfigKey.CUTOVER_CHECK_URL,
                "an http:// or https:// URL, {tenant} standing for the tenant id, such as"
                        + " http://10.0.0.7:8080/replication/{tenant}/caught-up");
        return Optional.empty();
    }

    private String header(ConfigKey key) {
        String raw = text(key);
        if (!raw.isEmpty() && !raw.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            fail(key, "an HTTP header name, such as X-Ferry-Backend, or empty");
            return "";
        }
        return raw;
    }

    private Set<Integer> statuses() {
        Set<Integer> out = new LinkedHashSet<>();
        for (String item : items(ConfigKey.BREAKER_FAILURE_STATUSES)) {
            try {
                out.add(Integer.parseInt(item));
            } catch (NumberFormatException e) {
                fail(ConfigKey.BREAKER_FAILURE_STATUSES, "a list of statuses from 500 to 599, such as 502,503,504");
                return Set.of();
            }
        }
        return out;
    }

    private TenantConfig tenant() {
        List<Source> sources = choices(ConfigKey.TENANT_SOURCES, Source.class);
        Pattern idPattern;
        try {
            idPattern = Pattern.compile(text(ConfigKey.TENANT_ID_PATTERN));
        } catch (PatternSyntaxException e) {
            fail(ConfigKey.TENANT_ID_PATTERN, "a Java regular expression (" + e.getDescription() + ")");
            idPattern = Pattern.compile(ConfigKey.TENANT_ID_PATTERN.defaultValue());
        }
        JwtConfig jwt = record(() -> new JwtConfig(
                text(ConfigKey.TENANT_JWT_CLAIM),
                text(ConfigKey.TENANT_JWT_HS256_SECRET),
                text(ConfigKey.TENANT_JWT_JWKS),
                text(ConfigKey.TENANT_JWT_ISSUER),
                text(ConfigKey.TENANT_JWT_AUDIENCE),
                duration(ConfigKey.TENANT_JWT_JWKS_REFRESH)));
        if (jwt != null && sources.contains(Source.JWT) && !jwt.configured()) {
            problems.add("tenant.sources: includes jwt, but neither tenant.jwt.hs256-secret nor tenant.jwt.jwks is set"
                    + " (expected: one of them, so that tokens can be verified)");
        }
        if (sources.isEmpty() && unparsable.contains(ConfigKey.TENANT_SOURCES)) {
            sources = List.of(Source.HEADER);
        }
        // An invalid JWT part is reported already; a stand-in lets every other tenant key still be checked.
        TenantConfig tenant = new TenantConfig(
                sources,
                text(ConfigKey.TENANT_HEADER),
                text(ConfigKey.TENANT_HOST_PATTERN),
                text(ConfigKey.TENANT_PATH_PREFIX),
                bool(ConfigKey.TENANT_STRIP_PATH_PREFIX),
                jwt == null ? new JwtConfig("tenant_id", "", "", "", "", Duration.ofMinutes(5)) : jwt,
                idPattern,
                integer(ConfigKey.TENANT_MAX_LENGTH),
                choice(ConfigKey.TENANT_WHEN_MISSING, WhenMissing.class),
                bool(ConfigKey.TENANT_LOWERCASE));
        return jwt == null ? null : tenant;
    }

    private FlagsConfig flags() {
        FlagsConfig.Source source = choice(ConfigKey.FLAGS_SOURCE, FlagsConfig.Source.class);
        Optional<Path> file = path(ConfigKey.FLAGS_FILE, source == FlagsConfig.Source.FILE);
        Optional<FlagsConfig.UnleashServer> server = Optional.empty();
        boolean serverInvalid = false;
        if (source == FlagsConfig.Source.UNLEASH) {
            URI url = url(ConfigKey.FLAGS_UNLEASH_URL, true);
            FlagsConfig.UnleashServer s = record(() -> new FlagsConfig.UnleashServer(
                    url == null ? URI.create("http://invalid") : url,
                    text(ConfigKey.FLAGS_UNLEASH_TOKEN),
                    text(ConfigKey.FLAGS_UNLEASH_APP_NAME),
                    duration(ConfigKey.FLAGS_UNLEASH_REFRESH),
                    filePath(ConfigKey.FLAGS_UNLEASH_BACKUP_FILE),
                    path(ConfigKey.FLAGS_UNLEASH_BOOTSTRAP_FILE, true)));
            serverInvalid = s == null || url == null;
            // An invalid server is reported already; a stand-in lets the keys every source shares still be checked.
            server = Optional.of(
                    serverInvalid
                            ? new FlagsConfig.UnleashServer(
                                    URI.create("http://invalid"),
                                    "stand-in",
                                    "ferry-router",
                                    Duration.ofSeconds(1),
                                    Path.of("stand-in"),
                                    Optional.empty())
                            : s);
        }
        FlagsConfig flags = new FlagsConfig(
                text(ConfigKey.FLAGS_FLAG_NAME),
                source,
                file,
                server,
                integer(ConfigKey.FLAGS_CACHE_MAX_TENANTS),
                filePath(ConfigKey.FLAGS_HELD_FILE));
        return serverInvalid ? null : flags;
    }

    /**
     * Builds one record; its validation message becomes a problem, unless it names a key that already failed to parse
     * (its check then ran against that key's stand-in value, such as "longer than pool.max-idle-time, 4s").
     */
    private <T> T record(Supplier<T> factory) {
        try {
            return factory.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            List<String> words = Arrays.asList(message.split("[\\s,:()']+"));
            boolean alreadyReported = false;
            for (ConfigKey key : unparsable) {
                alreadyReported |= words.contains(key.key());
            }
            if (!alreadyReported) {
                problems.add(message);
            }
            return null;
        }
    }
}
