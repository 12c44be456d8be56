package dev.ferry.admin.setup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.unleash.AdminApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where Ferry's flags live on an Unleash server: a project, an environment, the routing flag and the migration window's
 * flag, read through the Admin API.
 */
public record Target(AdminApi api, String project, String environment, String flag, String windowFlag) {

    /** The flag's state in the environment, as the Admin API has it. */
    record FlagEnvironment(boolean enabled, List<JsonNode> strategies) {}

    String projects() {
        return "/api/admin/projects/" + encode(project) + "/features";
    }

    String feature(String name) {
        return projects() + "/" + encode(name);
    }

    String environmentOf(String name) {
        return feature(name) + "/environments/" + encode(environment);
    }

    /** The Unleash names of the environments of a feature as read; for messages. */
    static List<String> environments(JsonNode feature) {
        List<String> names = new ArrayList<>();
        feature.path("environments").forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

    /** The environment's part of a feature as read, strategies in their order; empty when the project lacks it. */
    Optional<FlagEnvironment> inEnvironment(JsonNode feature) {
        for (JsonNode env : feature.path("environments")) {
            if (environment.equals(env.path("name").asText())) {
                List<JsonNode> strategies = new ArrayList<>();
                env.path("strategies").forEach(strategies::add);
                // Stable: equal sort orders keep the server's order, as Unleash evaluates them
                strategies.sort(Comparator.comparingInt(s -> s.path("sortOrder").asInt(0)));
                return Optional.of(new FlagEnvironment(env.path("enabled").asBoolean(false), strategies));
            }
        }
        return Optional.empty();
    }

    /** Whether the project exists; Unleash OSS answers the list of projects, not one by its id. */
    boolean projectExists() {
        for (JsonNode p : api.expect("GET", "/api/admin/projects", null).path("projects")) {
            if (project.equals(p.path("id").asText())) {
                return true;
            }
        }
        return false;
    }

    List<String> projectIds() {
        List<String> ids = new ArrayList<>();
        api.expect("GET", "/api/admin/projects", null)
                .path("projects")
                .forEach(p -> ids.add(p.path("id").asText()));
        return ids;
    }

    List<String> environmentNames() {
        List<String> names = new ArrayList<>();
        api.expect("GET", "/api/admin/environments", null)
                .path("environments")
                .forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
