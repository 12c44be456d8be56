package dev.ferry.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.TreeSet;

/**
 * The shadow flag ({@code shadow.flag}, {@code ferry.shadow} by default) in the router's flags file: its list of
 * shadowed tenants, one {@code tenantId IN [...]} constraint, as docs/shadow.md describes it. flags-admin has no
 * writer for this flag yet, so this is the one place the load tests write it; every other feature of the file is left
 * as it is. The file is replaced in one move, so the router never reads half of it.
 */
final class ShadowFlagFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String flag;

    ShadowFlagFile(Path file, String flag) {
        this.file = file;
        this.flag = flag;
    }

    /** Adds tenants to the flag's list, creating the flag (enabled) if the file has none. */
    void shadow(Collection<String> tenants) {
        TreeSet<String> listed = listed(read());
        listed.addAll(tenants);
        write(listed);
    }

    /** Takes tenants off the flag's list; the flag stays, with whatever other tenants it lists. */
    void unshadow(Collection<String> tenants) {
        TreeSet<String> listed = listed(read());
        listed.removeAll(tenants);
        write(listed);
    }

    String describe() {
        return "flag " + flag + " in " + file;
    }

    private ObjectNode read() {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (!(root instanceof ObjectNode document) || !root.path("features").isArray()) {
                throw new IllegalStateException(file + " is not a flags document (expected: {\"features\": [...]})");
            }
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the flags file " + file, e);
        }
    }

    private TreeSet<String> listed(ObjectNode document) {
        TreeSet<String> tenants = new TreeSet<>();
        for (JsonNode feature : document.path("features")) {
            if (flag.equals(feature.path("name").asText())) {
                for (JsonNode strategy : feature.path("strategies")) {
                    for (JsonNode constraint : strategy.path("constraints")) {
                        constraint.path("values").forEach(value -> tenants.add(value.asText()));
                    }
                }
            }
        }
        return tenants;
    }

    private void write(TreeSet<String> tenants) {
        ObjectNode document = read();
        ArrayNode features = (ArrayNode) document.get("features");
        for (int i = features.size() - 1; i >= 0; i--) {
            if (flag.equals(features.get(i).path("name").asText())) {
                features.remove(i);
            }
        }
        features.add(feature(tenants));
        Path next = file.resolveSibling(file.getFileName() + ".shadow-next");
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(next.toFile(), document);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the flags file " + file, e);
        }
    }

    private ObjectNode feature(TreeSet<String> tenants) {
        ObjectNode feature = JSON.createObjectNode()
                .put("name", flag)
                .put("type", "operational")
                .put("enabled", true)
                .put("project", "default")
                .put("stale", false)
                .put("impressionData", false);
        feature.putArray("variants");
        ObjectNode strategy = feature.putArray("strategies").addObject().put("name", "default");
        ObjectNode constraint = strategy.putArray("constraints")
                .addObject()
                .put("contextName", "tenantId")
                .put("operator", "IN");
        ArrayNode values = constraint.putArray("values");
        tenants.forEach(values::add);
        constraint.put("inverted", false).put("caseInsensitive", false);
        strategy.putObject("parameters");
        strategy.putArray("variants");
        return feature;
    }
}
