package dev.ferry.router.routing;

import dev.ferry.router.config.ConfigKey;
import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.config.TenantConfig;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.tenant.TenantIdRules;
import dev.ferry.router.tenant.TenantResolvers;
import dev.ferry.router.testing.FlagDocuments;
import dev.ferry.router.testing.FlagRules;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The routing decision with 10,000 explicitly listed tenants (plus a 30 % wave and a pin) in the flag: a cached
 * decision, the same with the tenant read from a header first, and the SDK evaluation behind the cache (a miss).
 * Run: {@code ./mvnw -pl router -Pjmh test-compile -Djmh.args="RoutingDecision -f 1 -wi 3 -w 1s -i 5 -r 1s"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingDecisionBenchmark {
    private static final int TENANTS = 10_000;

    private Path dir;
    private UnleashRoutingPolicy policy;
    private TenantResolvers resolvers;
    private TenantId[] tenants;
    private HttpHeaders[] requests;
    private int next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("ferry-bench");
        String[] listed =
                IntStream.range(0, TENANTS).mapToObj(i -> "tenant-" + i).toArray(String[]::new);
        Files.writeString(
                dir.resolve("flags.json"),
                FlagRules.flag()
                        .pinned("umbrella")
                        .list("big-list", listed)
                        .percent("wave-1", 30)
                        .document());
        policy = new UnleashRoutingPolicy(
                new FlagsConfig(
                        FlagDocuments.FLAG,
                        FlagsConfig.Source.FILE,
                        Optional.of(dir.resolve("flags.json")),
                        Optional.empty(),
                        100_000,
                        dir.resolve("held.json")),
                new RouterMeters(new SimpleMeterRegistry()),
                Clock.systemUTC());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!policy.routable() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        if (!policy.routable()) {
            throw new IllegalStateException("the flags file was not loaded within 10 s");
        }
        TenantIdRules rules = new TenantIdRules(Pattern.compile(ConfigKey.TENANT_ID_PATTERN.defaultValue()), 64);
        resolvers = new TenantResolvers(
                new TenantConfig(
                        List.of(TenantConfig.Source.HEADER),
                        "X-Tenant-Id",
                        "",
                        "/t/",
                        true,
                        new TenantConfig.JwtConfig("tenant_id", "", "", "", "", Duration.ofMinutes(5)),
                        rules.pattern(),
                        64,
                        TenantConfig.WhenMissing.REJECT),
                rules);
        tenants = new TenantId[1024];
        requests = new HttpHeaders[1024];
        for (int i = 0; i < tenants.length; i++) {
            String id = "tenant-" + (i * 9 % TENANTS);
            tenants[i] = new TenantId(id);
            requests[i] = new DefaultHttpHeaders().add("X-Tenant-Id", id).add("Accept", "*/*");
            policy.decide(tenants[i]);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        policy.close();
        resolvers.close();
    }

    /** What every request pays once its tenant is known: a cache hit. */
    @Benchmark
    public RoutingDecision cachedDecision() {
        return policy.decide(tenants[next++ & 1023]);
    }

    /** Step 1 and 2 of the request path: the tenant from its header, then the cached decision. */
    @Benchmark
    public RoutingDecision resolveAndDecide() {
        return policy.decide(
                resolvers.resolve(requests[next++ & 1023], "/orders/42").tenant());
    }

    /** What a cache miss pays: one SDK evaluation of the flag (10,000 listed tenants) and the flip-back check. */
    @Benchmark
    public RoutingDecision sdkEvaluationBehindTheCache() {
        return policy.evaluateUncached(tenants[next++ & 1023]);
    }
}
