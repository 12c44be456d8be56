package dev.ferry.router.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.ConfigKey;
import dev.ferry.router.config.ConfigLoader;
import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.config.InvalidConfigException;
import dev.ferry.router.config.RouterConfig;
import dev.ferry.router.config.ShutdownConfig;
import dev.ferry.router.deploy.NetworkPolicies.Client;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kubernetes manifests (deploy/kubernetes), as {@code kubectl kustomize} renders each overlay, read strictly into
 * fabric8's model classes and held to what Ferry really does: its configuration loaded by Ferry's own loader with the
 * environment the Deployment gives it, its probes asked of a running router, its drain settings against the grace
 * period. Offline: kubectl renders without a cluster.
 */
class KubernetesManifestsIT {
    private static final Path KUBERNETES = Path.of("..", "deploy", "kubernetes");
    /** The Secret the docs tell operators to create (docs/deploy.md); its token is stood in for. */
    private static final String UNLEASH_SECRET = "ferry-unleash";

    private static final String STUB_TOKEN = "default:production.stood-in-for-the-secret";
    /**
     * Ferry's own work after {@code shutdown.timeout}: closing what is left, the proxy port (up to 1 s) and the admin
     * port (up to 2 s), the JVM's exit.
     */
    private static final Duration SHUTDOWN_SLACK = Duration.ofSeconds(5);
    /**
     * What the JVM needs beside its heap and direct memory: classes, code, threads, Unleash's native engine
     * (docs/performance.md: 93 MiB committed by the JVM with a 33 MiB heap, and about 25 MiB outside it).
     */
    private static final long JVM_BEYOND_HEAP_AND_DIRECT = 96L * 1024 * 1024;

    private static final Map<String, RenderedOverlay> RENDERED = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(KUBERNETES.resolve("overlays"))) {
            List<String> names = dirs.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
            assertThat(names).as("overlays under deploy/kubernetes/overlays").contains("small", "production");
            return names.stream();
        }
    }

    private static RenderedOverlay overlay(String name) {
        return RENDERED.computeIfAbsent(
                name, n -> RenderedOverlay.render(KUBERNETES.resolve("overlays").resolve(n)));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void rendersOnlyKubernetesFieldsIntoOneNamespace(String name) {
        RenderedOverlay overlay = overlay(name);
        String namespace = overlay.namespace();
        assertThat(namespace).as("the Deployment's namespace").isNotBlank();
        for (HasMetadata object : overlay.objects()) {
            if (!(object instanceof Namespace)) {
                assertThat(object.getMetadata().getNamespace())
                        .as(
                                "namespace of %s %s: selectors, budgets and monitors act within their own namespace",
                                object.getKind(), object.getMetadata().getName())
                        .isEqualTo(namespace);
            }
        }
        overlay.all(Namespace.class)
                .forEach(n -> assertThat(n.getMetadata().getName()).isEqualTo(namespace));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void selectsTheRouterPodsWithEverySelector(String name) {
        RenderedOverlay overlay = overlay(name);
        Map<String, String> pod = overlay.podLabels();
        Deployment deployment = overlay.deployment();
        assertThat(LabelSelectors.matches(deployment.getSpec().getSelector(), pod))
                .as("the Deployment's selector matches its pod template %s", pod)
                .isTrue();

        List<Service> services = overlay.all(Service.class);
        assertThat(services).as("Services").isNotEmpty();
        for (Service service : services) {
            assertThat(service.getSpec().getSelector())
                    .as("selector of Service %s", service.getMetadata().getName())
                    .isNotEmpty();
            assertThat(LabelSelectors.subset(service.getSpec().getSelector(), pod))
                    .as("Service %s selects the pods %s", service.getMetadata().getName(), pod)
                    .isTrue();
            for (ServicePort port : service.getSpec().getPorts()) {
                assertThat(containerPort(overlay.router(), port.getTargetPort()))
                        .as(
                                "Service %s port %s reaches a port of the container",
                                service.getMetadata().getName(), port.getName())
                        .isPositive();
            }
        }
        assertThat(LabelSelectors.matches(
                        overlay.one(PodDisruptionBudget.class).getSpec().getSelector(), pod))
                .as("the PodDisruptionBudget's selector")
                .isTrue();
        assertThat(overlay.all(NetworkPolicy.class)).as("NetworkPolicies").isNotEmpty();
        for (NetworkPolicy policy : overlay.all(NetworkPolicy.class)) {
            assertThat(LabelSelectors.matches(policy.getSpec().getPodSelector(), pod))
                    .as(
                            "NetworkPolicy %s selects the pods",
                            policy.getMetadata().getName())
                    .isTrue();
        }
        for (PodMonitor monitor : overlay.all(PodMonitor.class)) {
            assertThat(LabelSelectors.matches(monitor.getSpec().getSelector(), pod))
                    .as("PodMonitor %s selects the pods", monitor.getMetadata().getName())
                    .isTrue();
            assertThat(monitor.getSpec().getNamespaceSelector())
                    .as(
                            "PodMonitor %s looks in its own namespace",
                            monitor.getMetadata().getName())
                    .isNull();
        }
        PodSpec spec = overlay.pod();
        assertThat(spec.getTopologySpreadConstraints())
                .as("topologySpreadConstraints")
                .isNotEmpty();
        for (TopologySpreadConstraint spread : spec.getTopologySpreadConstraints()) {
            assertThat(LabelSelectors.matches(spread.getLabelSelector(), pod))
                    .as("the spread over %s counts the router's pods", spread.getTopologyKey())
                    .isTrue();
        }
        assertThat(spec.getTopologySpreadConstraints())
                .as("one spread constraint per topology key (an overlay's patch may add a second instead of"
                        + " changing the first)")
                .extracting(TopologySpreadConstraint::getTopologyKey)
                .containsExactlyInAnyOrder("topology.kubernetes.io/zone", "kubernetes.io/hostname");
        List<WeightedPodAffinityTerm> apart =
                spec.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertThat(apart).as("preferred pod anti-affinity").isNotEmpty();
        for (WeightedPodAffinityTerm term : apart) {
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(LabelSelectors.matches(term.getPodAffinityTerm().getLabelSelector(), pod))
                    .as("the anti-affinity keeps router pods apart")
                    .isTrue();
        }
        assertThat(spec.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                .as("required anti-affinity: more replicas than nodes could not schedule")
                .isNullOrEmpty();

        var target = overlay.one(HorizontalPodAutoscaler.class).getSpec().getScaleTargetRef();
        assertThat(target.getApiVersion() + " " + target.getKind() + " " + target.getName())
                .as("the autoscaler scales the Deployment")
                .isEqualTo("apps/v1 Deployment " + deployment.getMetadata().getName());
        assertThat(overlay.all(ServiceAccount.class))
                .as("the pod's service account is in the manifests")
                .extracting(a -> a.getMetadata().getName())
                .contains(spec.getServiceAccountName());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void budgetsFewerDisruptionsThanTheAutoscalerMinimumAndTheReplicas(String name) {
        RenderedOverlay overlay = overlay(name);
        int replicas = overlay.deployment().getSpec().getReplicas();
        int minimum = overlay.one(HorizontalPodAutoscaler.class).getSpec().getMinReplicas();
        PodDisruptionBudget budget = overlay.one(PodDisruptionBudget.class);
        int smallest = Math.min(replicas, minimum);
        int allowed = allowedDisruptions(budget, smallest);
        assertThat(allowed)
                .as(
                        "disruptions the budget allows with %s replicas: fewer than the autoscaler's minimum (%s) and the"
                                + " Deployment's replicas (%s)",
                        smallest, minimum, replicas)
                .isLessThan(minimum)
                .isLessThan(replicas)
                .as("and at least one, or a node drain waits for ever")
                .isPositive();
        assertThat(budget.getSpec().getUnhealthyPodEvictionPolicy())
                .as("a replica that is not ready (no flag state) may be evicted without blocking a drain")
                .isEqualTo("AlwaysAllow");
        var rolling = overlay.deployment().getSpec().getStrategy().getRollingUpdate();
        assertThat(rolling.getMaxUnavailable())
                .as("a rollout never goes below the full count: a new replica that cannot load flags stops it")
                .isEqualTo(new IntOrString(0));
    }

    /** As the disruption controller counts: percentages of the expected pods, rounded up. */
    private static int allowedDisruptions(PodDisruptionBudget budget, int pods) {
        IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
        IntOrString minAvailable = budget.getSpec().getMinAvailable();
        assertThat(maxUnavailable == null ^ minAvailable == null)
                .as("the budget sets exactly one of maxUnavailable and minAvailable")
                .isTrue();
        return maxUnavailable != null ? scaled(maxUnavailable, pods) : pods - scaled(minAvailable, pods);
    }

    private static int scaled(IntOrString value, int pods) {
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        int percent = Integer.parseInt(value.getStrVal().replace("%", ""));
        return (int) Math.ceil(pods * percent / 100.0);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void keepsThreeReplicasAtLeastAndScalesDownSlowly(String name) {
        RenderedOverlay overlay = overlay(name);
        var autoscaler = overlay.one(HorizontalPodAutoscaler.class).getSpec();
        int replicas = overlay.deployment().getSpec().getReplicas();
        assertThat(autoscaler.getMinReplicas()).as("the autoscaler's minimum").isGreaterThanOrEqualTo(3);
        assertThat(replicas)
                .as("the Deployment's replicas, within the autoscaler's range")
                .isGreaterThanOrEqualTo(3)
                .isBetween(autoscaler.getMinReplicas(), autoscaler.getMaxReplicas());
        assertThat(autoscaler.getMetrics()).as("what the autoscaler follows").isNotEmpty();
        HPAScalingRules down = autoscaler.getBehavior() == null
                ? null
                : autoscaler.getBehavior().getScaleDown();
        assertThat(down)
                .as("behavior.scaleDown (the default removes every surplus replica at once)")
                .isNotNull();
        assertThat(down.getStabilizationWindowSeconds())
                .as("scale-down stabilization window, seconds")
                .isNotNull()
                .isGreaterThanOrEqualTo(300);
        assertThat(down.getSelectPolicy()).as("scale-down selectPolicy").isNotEqualTo("Disabled");
        assertThat(down.getPolicies()).as("scale-down policies").isNotEmpty();
        for (HPAScalingPolicy policy : down.getPolicies()) {
            double perMinute = policy.getValue() * 60.0 / policy.getPeriodSeconds();
            if (policy.getType().equals("Pods")) {
                assertThat(perMinute).as("replicas removed per minute at most").isLessThanOrEqualTo(1.0);
            } else {
                assertThat(policy.getType()).isEqualTo("Percent");
                assertThat(perMinute)
                        .as("percent of replicas removed per minute at most")
                        .isLessThanOrEqualTo(10.0);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void passesFerrysOwnConfigValidationWithTheDeploymentsEnvironment(String name) throws IOException {
        RenderedOverlay overlay = overlay(name);
        RouterConfig config = load(overlay, Map.of()).config();
        assertThat(config.flags().source())
                .as("flags.source: the fleet reads Unleash")
                .isEqualTo(FlagsConfig.Source.UNLEASH);
        assertThat(config.flags().unleash().orElseThrow().token())
                .as(
                        "the Unleash token, from the Secret %s as %s",
                        UNLEASH_SECRET, ConfigKey.FLAGS_UNLEASH_TOKEN.envName())
                .isEqualTo(STUB_TOKEN);
        assertThat(config.admin().host())
                .as("admin.host: the kubelet and Prometheus connect to the pod's address, not its loopback")
                .isEqualTo("0.0.0.0");
        assertThat(config.listen().host()).as("listen.host").isEqualTo("0.0.0.0");
        assertThat(containerPort(overlay.router(), "admin"))
                .as("container port 'admin'")
                .isEqualTo(config.admin().port());
        assertThat(containerPort(overlay.router(), "http"))
                .as("container port 'http'")
                .isEqualTo(config.listen().port());
        assertThat(overlay.pod().getEnableServiceLinks())
                .as("enableServiceLinks: the Service ferry-router would put FERRY_ROUTER_* variables into the"
                        + " environment, and Ferry refuses unknown FERRY_* variables")
                .isFalse();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void answersEveryProbeOnTheAdminPortAsTheProbesExpect(String name) throws Exception {
        RenderedOverlay overlay = overlay(name);
        Container container = overlay.router();
        int adminPort = load(overlay, Map.of()).config().admin().port();
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startupProbe", container.getStartupProbe());
        probes.put("readinessProbe", container.getReadinessProbe());
        probes.put("livenessProbe", container.getLivenessProbe());
        probes.forEach((kind, probe) -> {
            assertThat(probe).as(kind).isNotNull();
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get).as("%s is an HTTP GET", kind).isNotNull();
            assertThat(get.getScheme()).as("%s scheme", kind).isIn(null, "HTTP");
            assertThat(containerPort(container, get.getPort()))
                    .as("%s port: the ConfigMap's admin.port", kind)
                    .isEqualTo(adminPort);
        });
        List<PodMetricsEndpoint> scraped = overlay.all(PodMonitor.class).stream()
                .flatMap(m -> m.getSpec().getPodMetricsEndpoints().stream())
                .toList();
        for (PodMetricsEndpoint endpoint : scraped) {
            int port = endpoint.getPortNumber() != null
                    ? endpoint.getPortNumber()
                    : containerPort(container, endpoint.getPort());
            assertThat(port).as("the PodMonitor scrapes admin.port").isEqualTo(adminPort);
        }

        try (UnleashStub unleash = new UnleashStub();
                RunningRouter router =
                        RunningRouter.start(load(overlay, onLoopback(unleash)).config())) {
            String startup = probes.get("startupProbe").getHttpGet().getPath();
            String ready = probes.get("readinessProbe").getHttpGet().getPath();
            String live = probes.get("livenessProbe").getHttpGet().getPath();

            // Unleash unreachable, no backup: Ferry fails closed. It has started and lives, but must get no traffic.
            assertThat(get(router, startup).statusCode())
                    .as("startup probe %s", startup)
                    .isEqualTo(200);
            assertThat(get(router, live).statusCode())
                    .as("liveness probe %s", live)
                    .isEqualTo(200);
            HttpResponse<String> unknown = get(router, ready);
            assertThat(unknown.statusCode())
                    .as("readiness probe %s before any flag state", ready)
                    .isEqualTo(503);
            assertThat(unknown.body()).contains("routing unknown");

            unleash.tenantsOnNew("globex");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> get(router, ready).statusCode() == 200);
            for (PodMetricsEndpoint endpoint : scraped) {
                String path = endpoint.getPath() == null ? "/metrics" : endpoint.getPath();
                HttpResponse<String> metrics = get(router, path);
                assertThat(metrics.statusCode())
                        .as("the PodMonitor's path %s", path)
                        .isEqualTo(200);
                assertThat(metrics.body()).contains("ferry_flags_loaded");
            }

            // SIGTERM: not ready at once, still live while it drains.
            CompletableFuture<Void> stopping =
                    CompletableFuture.runAsync(() -> router.router().shutdown());
            await().atMost(Duration.ofSeconds(2)).until(() -> get(router, ready).statusCode() == 503);
            assertThat(get(router, ready).body()).contains("shutting down");
            assertThat(get(router, live).statusCode())
                    .as("liveness probe while draining")
                    .isEqualTo(200);
            stopping.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The overlay's configuration with what only a test changes: loopback and free ports, the stub's URL and token,
     * files in the test's directory, a drain delay short enough to wait for.
     */
    private Map<String, String> onLoopback(UnleashStub unleash) {
        Map<String, String> env = new HashMap<>();
        env.put(ConfigKey.LISTEN_HOST.envName(), "127.0.0.1");
        env.put(ConfigKey.LISTEN_PORT.envName(), "0");
        env.put(ConfigKey.ADMIN_HOST.envName(), "127.0.0.1");
        env.put(ConfigKey.ADMIN_PORT.envName(), "0");
        env.put(ConfigKey.FLAGS_UNLEASH_URL.envName(), unleash.apiUrl());
        env.put(ConfigKey.FLAGS_UNLEASH_TOKEN.envName(), UnleashStub.TOKEN);
        env.put(
                ConfigKey.FLAGS_UNLEASH_BACKUP_FILE.envName(),
                dir.resolve("unleash-backup.json").toString());
        env.put(
                ConfigKey.FLAGS_HELD_FILE.envName(),
                dir.resolve("held-tenants.json").toString());
        env.put(ConfigKey.SHUTDOWN_DRAIN_DELAY.envName(), "3s");
        return env;
    }

    private static HttpResponse<String> get(RunningRouter router, String path) {
        return RunningRouter.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + router.router().adminPort() + path))
                .timeout(Duration.ofSeconds(5))
                .build());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void givesTheDrainAndInFlightRequestsTimeWithinTheGracePeriod(String name) throws IOException {
        RenderedOverlay overlay = overlay(name);
        ShutdownConfig shutdown = load(overlay, Map.of()).config().shutdown();
        Duration preStop = preStop(overlay.router());
        assertThat(shutdown.drainDelay())
                .as("shutdown.drain-delay: endpoints and load balancers must let go before the listener closes")
                .isPositive();
        Duration needed =
                preStop.plus(shutdown.drainDelay()).plus(shutdown.timeout()).plus(SHUTDOWN_SLACK);
        Long grace = overlay.pod().getTerminationGracePeriodSeconds();
        assertThat(grace).as("terminationGracePeriodSeconds").isNotNull();
        assertThat(Duration.ofSeconds(grace))
                .as(
                        "terminationGracePeriodSeconds >= preStop %s + shutdown.drain-delay %s + shutdown.timeout %s"
                                + " + slack %s",
                        preStop, shutdown.drainDelay(), shutdown.timeout(), SHUTDOWN_SLACK)
                .isGreaterThanOrEqualTo(needed);
        Probe readiness = overlay.router().getReadinessProbe();
        Duration noticed = Duration.ofSeconds(
                (long) orDefault(readiness.getPeriodSeconds(), 10) * orDefault(readiness.getFailureThreshold(), 3));
        assertThat(noticed)
                .as("the readiness probe sees the drain (period x failureThreshold) before the listener closes")
                .isLessThanOrEqualTo(shutdown.drainDelay());
    }

    private static Duration preStop(Container container) {
        assertThat(container.getLifecycle()).as("lifecycle").isNotNull();
        LifecycleHandler hook = container.getLifecycle().getPreStop();
        assertThat(hook).as("preStop hook").isNotNull();
        if (hook.getSleep() != null) {
            return Duration.ofSeconds(hook.getSleep().getSeconds());
        }
        if (hook.getExec() != null) {
            List<String> command = hook.getExec().getCommand();
            String last = command.get(command.size() - 1).trim();
            if (last.matches("(sleep )?\\d+")) {
                return Duration.ofSeconds(Long.parseLong(last.replace("sleep ", "")));
            }
        }
        return fail("preStop %s (expected: a sleep, the time endpoints need to drop the pod)", hook);
    }

    private static int orDefault(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void runsRestrictedWithAWritableVolumeForEveryFileFerryWrites(String name) throws IOException {
        RenderedOverlay overlay = overlay(name);
        PodSpec pod = overlay.pod();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertThat(podSecurity).as("the pod's securityContext").isNotNull();
        assertThat(podSecurity.getRunAsNonRoot()).as("runAsNonRoot").isTrue();
        assertThat(podSecurity.getRunAsUser()).as("runAsUser").isNotNull().isPositive();
        assertThat(podSecurity.getSeccompProfile()).as("seccompProfile").isNotNull();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getHostNetwork()).as("hostNetwork").isNotEqualTo(true);
        assertThat(pod.getHostPID()).as("hostPID").isNotEqualTo(true);
        assertThat(pod.getHostIPC()).as("hostIPC").isNotEqualTo(true);
        assertThat(pod.getAutomountServiceAccountToken())
                .as("automountServiceAccountToken: Ferry never calls the Kubernetes API")
                .isFalse();

        Container container = overlay.router();
        SecurityContext security = container.getSecurityContext();
        assertThat(security).as("the container's securityContext").isNotNull();
        assertThat(security.getAllowPrivilegeEscalation())
                .as("allowPrivilegeEscalation")
                .isFalse();
        assertThat(security.getReadOnlyRootFilesystem())
                .as("readOnlyRootFilesystem")
                .isTrue();
        assertThat(security.getPrivileged()).as("privileged").isNotEqualTo(true);
        assertThat(security.getRunAsNonRoot()).as("runAsNonRoot").isNotEqualTo(false);
        assertThat(security.getRunAsUser() == null || security.getRunAsUser() != 0)
                .as("the container's runAsUser, if set, is not root's: %s", security.getRunAsUser())
                .isTrue();
        assertThat(security.getCapabilities().getDrop())
                .as("capabilities dropped")
                .contains("ALL");
        assertThat(security.getCapabilities().getAdd()).as("capabilities added").isNullOrEmpty();
        for (ContainerPort port : container.getPorts()) {
            assertThat(port.getContainerPort())
                    .as("port %s: no capability to bind below 1024", port.getName())
                    .isGreaterThanOrEqualTo(1024);
        }
        for (Namespace namespace : overlay.all(Namespace.class)) {
            assertThat(namespace.getMetadata().getLabels())
                    .as("the namespace enforces the restricted Pod Security Standard")
                    .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        }

        RouterConfig config = load(overlay, Map.of()).config();
        Map<String, Path> written = new LinkedHashMap<>();
        written.put(ConfigKey.FLAGS_HELD_FILE.key(), config.flags().heldFile());
        config.flags().unleash().ifPresent(u -> written.put(ConfigKey.FLAGS_UNLEASH_BACKUP_FILE.key(), u.backupFile()));
        config.accessLog().file().ifPresent(f -> written.put(ConfigKey.ACCESS_LOG_FILE.key(), f));
        JvmFlags jvm = new JvmFlags(env(container, "JAVA_TOOL_OPTIONS"));
        written.put("java.io.tmpdir (Netty's and Unleash's native libraries)", Path.of(jvm.tmpdir(), "lib.so"));
        written.forEach((what, file) -> {
            assertThat(file.isAbsolute())
                    .as("%s: %s is absolute (the image's working directory is read-only)", what, file)
                    .isTrue();
            VolumeMount mount = mountOf(container, file);
            assertThat(mount).as("%s: %s lies on a volume", what, file).isNotNull();
            assertThat(mount.getReadOnly())
                    .as("%s: the mount %s is writable", what, mount.getMountPath())
                    .isNotEqualTo(true);
            Volume volume = volume(pod, mount.getName());
            assertThat(volume.getEmptyDir() != null
                            || volume.getPersistentVolumeClaim() != null
                            || volume.getEphemeral() != null)
                    .as("%s: volume %s is one a process may write (emptyDir, a claim)", what, volume.getName())
                    .isTrue();
        });
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void setsRequestsAndLimitsThatTheJvmFlagsFit(String name) {
        RenderedOverlay overlay = overlay(name);
        Container container = overlay.router();
        var resources = container.getResources();
        assertThat(resources).as("resources").isNotNull();
        for (String resource : List.of("cpu", "memory")) {
            assertThat(resources.getRequests()).as("requests").containsKey(resource);
            assertThat(resources.getLimits()).as("limits").containsKey(resource);
        }
        BigDecimal memoryRequest = amount(resources.getRequests().get("memory"));
        BigDecimal memoryLimit = amount(resources.getLimits().get("memory"));
        BigDecimal cpuRequest = amount(resources.getRequests().get("cpu"));
        BigDecimal cpuLimit = amount(resources.getLimits().get("cpu"));
        assertThat(memoryRequest)
                .as("memory request = limit: the JVM's size is fixed, and a pod above its request is evicted first")
                .isEqualByComparingTo(memoryLimit);
        assertThat(cpuRequest).as("cpu request").isPositive().isLessThanOrEqualTo(cpuLimit);

        JvmFlags jvm = new JvmFlags(env(container, "JAVA_TOOL_OPTIONS"));
        int cores = cpuLimit.setScale(0, RoundingMode.CEILING).intValueExact();
        jvm.activeProcessorCount().ifPresent(n -> assertThat(n)
                .as("-XX:ActiveProcessorCount, the CPU limit")
                .isEqualTo(cores));
        assertThat(jvm.ioWorkerCount())
                .as("-Dreactor.netty.ioWorkerCount: one event loop per core of the limit (Reactor Netty starts at"
                        + " least 4, and the fast path splits its pools among them)")
                .contains(cores);
        long limit = memoryLimit.longValueExact();
        long heap = jvm.maxHeap(limit);
        long direct = jvm.maxDirect(limit);
        assertThat(heap + direct + JVM_BEYOND_HEAP_AND_DIRECT)
                .as(
                        "heap %d MiB + direct memory %d MiB + %d MiB for the JVM's own memory fit the limit",
                        heap >> 20, direct >> 20, JVM_BEYOND_HEAP_AND_DIRECT >> 20)
                .isLessThanOrEqualTo(limit);
        assertThat(jvm.has("-XX:+ExitOnOutOfMemoryError"))
                .as("-XX:+ExitOnOutOfMemoryError: a JVM out of memory exits and is restarted, not left limping")
                .isTrue();
        assertThat(jvm.has("-Dio.netty.leakDetection.level=disabled"))
                .as("Netty's leak detection off in production (docs/performance.md)")
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void admitsTheAdminPortOnlyFromTheScraper(String name) {
        RenderedOverlay overlay = overlay(name);
        Container container = overlay.router();
        NetworkPolicies policies = new NetworkPolicies(
                overlay.all(NetworkPolicy.class), overlay.namespace(), overlay.podLabels(), container);
        int http = containerPort(container, "http");
        int admin = containerPort(container, "admin");
        Client scraper = new Client("monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
        Client shop = new Client("shop", Map.of("app", "web"));
        Client neighbour = new Client(overlay.namespace(), Map.of("app", "debug"));
        Client impostor = new Client("shop", Map.of("app.kubernetes.io/name", "prometheus"));
        Client grafana = new Client("monitoring", Map.of("app.kubernetes.io/name", "grafana"));

        for (Client client : List.of(shop, neighbour, scraper)) {
            assertThat(policies.admits(client, http))
                    .as("%s to the proxy port", client)
                    .isTrue();
        }
        assertThat(policies.admits(scraper, admin))
                .as("%s to the admin port", scraper)
                .isTrue();
        for (Client client : List.of(shop, neighbour, impostor, grafana)) {
            assertThat(policies.admits(client, admin))
                    .as("%s to the admin port", client)
                    .isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void pullsTheRouterImageByAFixedTag(String name) {
        String image = overlay(name).router().getImage();
        assertThat(image)
                .as("the overlay's image (kustomize images: newName, newTag)")
                .matches("([a-z0-9.:-]+/)+ferry-router:[A-Za-z0-9_.-]+(@sha256:[0-9a-f]{64})?")
                .doesNotContain(":latest");
    }

    @Test
    void scrapesProductionThroughThePrometheusOperator() {
        assertThat(overlay("production").all(PodMonitor.class))
                .as("the production overlay includes components/prometheus-operator")
                .isNotEmpty();
        assertThat(overlay("small").router().getImage()).startsWith("localhost/ferry-router:");
    }

    /**
     * Loads the ConfigMap's ferry.yaml as {@code ferry-router --config} does, with the environment the Deployment
     * gives the container (the Secret's token stood in for, and, unless the pod turns them off, the variables the
     * kubelet derives from every Service of the namespace), then {@code overrides}.
     */
    private ConfigLoader.Loaded load(RenderedOverlay overlay, Map<String, String> overrides) throws IOException {
        Container container = overlay.router();
        List<String> args = container.getArgs() == null ? List.of() : container.getArgs();
        int at = args.indexOf("--config");
        assertThat(at).as("the container's args name --config FILE: %s", args).isNotNegative();
        Path file = Path.of(args.get(at + 1));
        VolumeMount mount = mountOf(container, file);
        assertThat(mount).as("a volume mounted over %s", file).isNotNull();
        Volume volume = volume(overlay.pod(), mount.getName());
        assertThat(volume.getConfigMap())
                .as("volume %s is a ConfigMap", volume.getName())
                .isNotNull();
        ConfigMap map = overlay.all(ConfigMap.class).stream()
                .filter(c ->
                        c.getMetadata().getName().equals(volume.getConfigMap().getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no ConfigMap " + volume.getConfigMap().getName()));
        String key = Path.of(mount.getMountPath()).relativize(file).toString();
        assertThat(map.getData())
                .as("ConfigMap %s", map.getMetadata().getName())
                .containsKey(key);
        Path copy = dir.resolve(overlay.name() + "-" + key);
        Files.writeString(copy, map.getData().get(key), StandardCharsets.UTF_8);

        Map<String, String> env = new HashMap<>();
        if (!Boolean.FALSE.equals(overlay.pod().getEnableServiceLinks())) {
            env.putAll(serviceLinks(overlay));
        }
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), value(overlay, variable));
        }
        assertThat(container.getEnvFrom())
                .as("envFrom (name each variable instead)")
                .isNullOrEmpty();
        env.putAll(overrides);
        try {
            return ConfigLoader.load(Map.of(), Optional.of(copy), env);
        } catch (InvalidConfigException e) {
            return fail("Ferry refuses the configuration of overlay %s: %s", overlay.name(), e.getMessage());
        }
    }

    private static String value(RenderedOverlay overlay, EnvVar variable) {
        if (variable.getValueFrom() == null) {
            return variable.getValue() == null ? "" : variable.getValue();
        }
        var secret = variable.getValueFrom().getSecretKeyRef();
        if (secret != null) {
            assertThat(secret.getName() + "/" + secret.getKey())
                    .as("%s comes from the documented Secret", variable.getName())
                    .isEqualTo(UNLEASH_SECRET + "/token");
            assertThat(variable.getName())
                    .as("the Secret's token is the variable Ferry reads it from")
                    .isEqualTo(ConfigKey.FLAGS_UNLEASH_TOKEN.envName());
            assertThat(secret.getOptional()).as("the Secret is required").isNotEqualTo(true);
            return STUB_TOKEN;
        }
        return fail(
                "%s: %s (expected: a value or the Secret %s)",
                variable.getName(), variable.getValueFrom(), UNLEASH_SECRET);
    }

    /**
     * The variables the kubelet sets for every Service of the pod's namespace that has a cluster IP, when
     * enableServiceLinks is not false ({@code FERRY_ROUTER_SERVICE_HOST} for the Service ferry-router).
     */
    private static Map<String, String> serviceLinks(RenderedOverlay overlay) {
        Map<String, String> env = new HashMap<>();
        for (Service service : overlay.all(Service.class)) {
            if ("None".equals(service.getSpec().getClusterIP())) {
                continue;
            }
            String prefix =
                    service.getMetadata().getName().toUpperCase(Locale.ROOT).replace('-', '_');
            ServicePort first = service.getSpec().getPorts().get(0);
            env.put(prefix + "_SERVICE_HOST", "10.96.0.10");
            env.put(prefix + "_SERVICE_PORT", String.valueOf(first.getPort()));
            env.put(prefix + "_PORT", "tcp://10.96.0.10:" + first.getPort());
            for (ServicePort port : service.getSpec().getPorts()) {
                String tcp = prefix + "_PORT_" + port.getPort() + "_TCP";
                env.put(tcp, "tcp://10.96.0.10:" + port.getPort());
                env.put(tcp + "_PROTO", "tcp");
                env.put(tcp + "_PORT", String.valueOf(port.getPort()));
                env.put(tcp + "_ADDR", "10.96.0.10");
            }
        }
        return env;
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElseGet(() -> fail("the container sets no %s", name));
    }

    /** The mount a file lies under: the deepest one whose path contains it. */
    private static VolumeMount mountOf(Container container, Path file) {
        return container.getVolumeMounts().stream()
                .filter(m -> file.normalize().startsWith(Path.of(m.getMountPath())))
                .max(Comparator.comparingInt(m -> Path.of(m.getMountPath()).getNameCount()))
                .orElse(null);
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static int containerPort(Container container, String name) {
        return container.getPorts().stream()
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElse(-1);
    }

    /** A port given by number or by name, as probes and Services give it; -1 when the container has none such. */
    private static int containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            int number = port.getIntVal();
            return container.getPorts().stream().anyMatch(p -> p.getContainerPort() == number) ? number : -1;
        }
        return containerPort(container, port.getStrVal());
    }

    private static BigDecimal amount(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity);
    }
}
