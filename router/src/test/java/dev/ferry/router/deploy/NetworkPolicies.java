package dev.ferry.router.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;

/**
 * Whether a connection to Ferry's pod is admitted, by the rules of NetworkPolicy: no policy selecting the pod admits
 * everything; otherwise the union of the selecting policies' ingress rules decides, a rule without {@code from}
 * admits every source and one without {@code ports} every port. An {@code ipBlock} peer is taken to admit anyone (a
 * pod's address may be in it), so a test cannot pass on one.
 */
final class NetworkPolicies {
    private final List<NetworkPolicy> policies;
    private final String namespace;
    private final Map<String, String> podLabels;
    private final Container container;

    NetworkPolicies(
            List<NetworkPolicy> policies, String namespace, Map<String, String> podLabels, Container container) {
        this.policies = policies;
        this.namespace = namespace;
        this.podLabels = podLabels;
        this.container = container;
    }

    /** A client pod: its namespace (labelled {@code kubernetes.io/metadata.name} as every namespace is) and labels. */
    record Client(String namespace, Map<String, String> labels) {
        Map<String, String> namespaceLabels() {
            return Map.of("kubernetes.io/metadata.name", namespace);
        }
    }

    boolean admits(Client client, int port) {
        List<NetworkPolicy> selecting = policies.stream()
                .filter(p -> p.getMetadata().getNamespace().equals(namespace))
                .filter(p -> p.getSpec().getPolicyTypes() == null
                        || p.getSpec().getPolicyTypes().isEmpty()
                        || p.getSpec().getPolicyTypes().contains("Ingress"))
                .filter(p -> LabelSelectors.matches(p.getSpec().getPodSelector(), podLabels))
                .toList();
        if (selecting.isEmpty()) {
            return true;
        }
        for (NetworkPolicy policy : selecting) {
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            for (NetworkPolicyIngressRule rule : rules == null ? List.<NetworkPolicyIngressRule>of() : rules) {
                if (admitsPort(rule.getPorts(), port) && admitsSource(rule.getFrom(), client)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean admitsPort(List<NetworkPolicyPort> ports, int port) {
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPort p : ports) {
            if (p.getProtocol() != null && !p.getProtocol().equals("TCP")) {
                continue;
            }
            if (p.getPort() == null) {
                return true;
            }
            int from = number(p.getPort());
            int to = p.getEndPort() == null ? from : p.getEndPort();
            if (from <= port && port <= to) {
                return true;
            }
        }
        return false;
    }

    /** A port by number, or by the name of one of the container's ports. */
    private int number(IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElse(-1);
    }

    private boolean admitsSource(List<NetworkPolicyPeer> from, Client client) {
        if (from == null || from.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPeer peer : from) {
            if (peer.getIpBlock() != null) {
                return true;
            }
            boolean namespaceMatches = peer.getNamespaceSelector() == null
                    ? client.namespace().equals(namespace)
                    : LabelSelectors.matches(peer.getNamespaceSelector(), client.namespaceLabels());
            boolean podMatches =
                    peer.getPodSelector() == null || LabelSelectors.matches(peer.getPodSelector(), client.labels());
            if (namespaceMatches && podMatches) {
                return true;
            }
        }
        return false;
    }
}
