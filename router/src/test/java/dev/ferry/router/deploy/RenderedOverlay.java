package dev.ferry.router.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One overlay of deploy/kubernetes as {@code kubectl kustomize} renders it, every document read into its fabric8 model
 * class, strictly: a field the model does not know (a typo, a field of another API version, one indented under the
 * wrong parent) fails the read, as the API server's strict field validation would refuse it.
 */
final class RenderedOverlay {
    /** The kinds the manifests may hold; any other is a document this test does not check, so it fails. */
    private static final List<Class<? extends HasMetadata>> KINDS = List.of(
            Namespace.class,
            ServiceAccount.class,
            ConfigMap.class,
            Deployment.class,
            Service.class,
            PodDisruptionBudget.class,
            HorizontalPodAutoscaler.class,
            NetworkPolicy.class,
            PodMonitor.class);

    /**
     * Jackson with no leniency: fabric8's classes keep unknown fields in an {@code additionalProperties} map (checked
     * by {@link #unknownFields}), and a scalar of the wrong type ({@code replicas: "3"}) is refused instead of coerced.
     */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    static {
        STRICT.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    private final String name;
    private final List<HasMetadata> objects;

    private RenderedOverlay(String name, List<HasMetadata> objects) {
        this.name = name;
        this.objects = objects;
    }

    /** Runs {@code kubectl kustomize dir} and reads what it prints. */
    static RenderedOverlay render(Path dir) {
        String yaml = kustomize(dir);
        List<HasMetadata> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (JsonNode document : STRICT.readValues(parser, JsonNode.class).readAll()) {
                if (document != null && !document.isNull()) {
                    objects.add(read(document));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("kubectl kustomize " + dir + " printed YAML that cannot be read: " + e, e);
        }
        return new RenderedOverlay(dir.getFileName().toString(), List.copyOf(objects));
    }

    private static String kustomize(Path dir) {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "kubectl is not installed or not on PATH (expected: kubectl 1.27 or later, which includes"
                            + " kustomize; it renders deploy/kubernetes offline, no cluster needed)",
                    e);
        }
        try {
            process.getOutputStream().close();
            var stdout = process.getInputStream().readAllBytes();
            var stderr = process.getErrorStream().readAllBytes();
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("kubectl kustomize %s finishes", dir)
                    .isTrue();
            assertThat(process.exitValue())
                    .as("kubectl kustomize %s:\n%s", dir, new String(stderr, StandardCharsets.UTF_8))
                    .isZero();
            return new String(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HasMetadata read(JsonNode document) {
        String kind = document.path("kind").asText();
        String apiVersion = document.path("apiVersion").asText();
        String where = kind + " " + document.path("metadata").path("name").asText();
        for (Class<? extends HasMetadata> type : KINDS) {
            if (HasMetadata.getKind(type).equals(kind)) {
                assertThat(apiVersion).as("apiVersion of %s", where).isEqualTo(HasMetadata.getApiVersion(type));
                HasMetadata object;
                try {
                    object = STRICT.treeToValue(document, type);
                } catch (IOException e) {
                    throw new AssertionError(where + " does not fit the Kubernetes model: " + e.getMessage(), e);
                }
                List<String> unknown = new ArrayList<>();
                unknownFields(object, where, unknown);
                assertThat(unknown)
                        .as("fields of %s that Kubernetes does not know (misspelt, or misplaced)", where)
                        .isEmpty();
                return object;
            }
        }
        return fail(
                "%s (%s) is a kind this test does not check (expected one of %s): add it to RenderedOverlay",
                where, apiVersion, KINDS.stream().map(HasMetadata::getKind).toList());
    }

    /**
     * Every {@code additionalProperties} entry anywhere in the object: what the model did not recognise. Walks the
     * properties Jackson itself reads and writes, so it sees exactly what the document held.
     */
    static void unknownFields(Object value, String path, List<String> found) {
        if (value == null) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, found));
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        JavaType type = STRICT.constructType(value.getClass());
        BeanDescription bean = STRICT.getSerializationConfig().introspect(type);
        AnnotatedMember anyGetter = bean.findAnyGetter();
        if (anyGetter != null && anyGetter.getValue(value) instanceof Map<?, ?> extra) {
            extra.keySet().forEach(key -> found.add(path + "." + key));
        }
        for (BeanPropertyDefinition property : bean.findProperties()) {
            AnnotatedMember accessor = property.getAccessor();
            if (accessor != null && !accessor.equals(anyGetter)) {
                unknownFields(accessor.getValue(value), path + "." + property.getName(), found);
            }
        }
    }

    String name() {
        return name;
    }

    List<HasMetadata> objects() {
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The one object of this kind. */
    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        assertThat(found)
                .as("%s objects in overlay %s", HasMetadata.getKind(type), name)
                .hasSize(1);
        return found.get(0);
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    PodSpec pod() {
        return deployment().getSpec().getTemplate().getSpec();
    }

    Map<String, String> podLabels() {
        return deployment().getSpec().getTemplate().getMetadata().getLabels();
    }

    /** Ferry's container: the Deployment's only one. */
    Container router() {
        assertThat(pod().getContainers()).as("containers of the Deployment").hasSize(1);
        assertThat(pod().getInitContainers())
                .as("init containers of the Deployment")
                .isNullOrEmpty();
        return pod().getContainers().get(0);
    }

    String namespace() {
        return deployment().getMetadata().getNamespace();
    }

    @Override
    public String toString() {
        return name;
    }
}
