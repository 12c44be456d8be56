package dev.ferry.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The router's local flags file ({@code flags.source: file}, the demo's {@code ferry-demo/flags.json}), edited the way
 * an operator would: tenants are moved to new by adding them to one explicit-list rule of the routing flag, named
 * {@code rule}, created at the end of the flag's rules the first time. Nothing else in the file changes, and tenants
 * are never taken out of the list: Ferry refuses implicit moves back to legacy.
 *
 * <p>Each change is written to a temporary file beside the flags file and moved over it atomically, so the router,
 * which reads the file every second, never sees half a document.
 */
final class FlagsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String flag;
    private final String rule;

    /**
     * @param flag the routing flag's name ({@code flags.flag-name}, {@code route-tenant-to-new} by default)
     * @param rule the name (and Unleash groupId) of the rule the moved tenants are listed in
     */
    FlagsFile(Path file, String flag, String rule) {
        this.file = file;
        this.flag = flag;
        this.rule = rule;
    }

    /** Fails with a message saying what to fix unless the file has the routing flag, enabled. */
    void requireRoutable() {
        JsonNode feature = feature(read());
        if (!feature.path("enabled").asBoolean(false)) {
            throw new IllegalStateException("flag '" + flag + "' is disabled in " + file
                    + ": no tenant would move (expected: \"enabled\": true)");
        }
    }

    /** Adds {@code tenants} to the rule's list, creating the rule if needed, and replaces the file atomically. */
    void moveToNew(Collection<String> tenants) {
        ObjectNode document = read();
        ArrayNode strategies = feature(document).withArray("strategies");
        ObjectNode list = findRule(strategies);
        if (list == null) {
            list = strategies.addObject();
            fillRule(list);
        }
        JsonNode constraint = list.path("constraints").path(0);
        if (!"tenantId".equals(constraint.path("contextName").asText())
                || !"IN".equals(constraint.path("operator").asText())) {
            throw new IllegalStateException("rule '" + rule + "' of flag '" + flag + "' in " + file
                    + " does not start with a tenantId IN constraint (expected: an explicit list of tenants, or no"
                    + " rule of that name; choose another -Dferry.rule)");
        }
        ArrayNode values = ((ObjectNode) constraint).withArray("values");
        Set<String> listed = new LinkedHashSet<>();
        values.forEach(v -> listed.add(v.asText()));
        tenants.stream().filter(listed::add).forEach(values::add);
        write(document);
    }

    private ObjectNode findRule(ArrayNode strategies) {
        for (JsonNode strategy : strategies) {
            if (rule.equals(strategy.path("parameters").path("groupId").asText())) {
                return (ObjectNode) strategy;
            }
        }
        return null;
    }

    /** An explicit list to new, in the form docs/flag-model.md describes: 100 %, one IN constraint, one variant. */
    private void fillRule(ObjectNode strategy) {
        strategy.put("name", "flexibleRollout");
        ObjectNode constraint = strategy.putArray("constraints").addObject();
        constraint.put("contextName", "tenantId").put("operator", "IN");
        constraint.putArray("values");
        constraint.put("inverted", false).put("caseInsensitive", false);
        strategy.putObject("parameters")
                .put("rollout", "100")
                .put("stickiness", "tenantId")
                .put("groupId", rule);
        ObjectNode variant = strategy.putArray("variants").addObject();
        variant.put("name", rule).put("weight", 1000).put("weightType", "fix").put("stickiness", "tenantId");
        variant.putObject("payload")
                .put("type", "json")
                .put(
                        "value",
                        JSON.createObjectNode()
                                .put("backend", "new")
                                .put("rule", rule)
                                .toString());
    }

    private JsonNode feature(JsonNode document) {
        for (JsonNode feature : document.path("features")) {
            if (flag.equals(feature.path("name").asText())) {
                return feature;
            }
        }
        throw new IllegalStateException("flags file " + file + " has no flag '" + flag
                + "' (expected: the routing flag, as in the demo's ferry-demo/flags.json)");
    }

    private ObjectNode read() {
        try {
            JsonNode document = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (!(document instanceof ObjectNode object)) {
                throw new IllegalStateException("flags file " + file + " is not a JSON object");
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the flags file " + file, e);
        }
    }

    /** A temporary file is private to its owner; the router may run as another user that reads the original. */
    private static void copyPermissions(Path from, Path to) throws IOException {
        try {
            Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the new file keeps the directory's defaults.
        }
    }

    private void write(ObjectNode document) {
        try {
            Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".flags-", ".json.tmp");
            try {
                copyPermissions(file, temp);
                Files.writeString(
                        temp,
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document),
                        StandardCharsets.UTF_8);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the flags file " + file, e);
        }
    }
}
