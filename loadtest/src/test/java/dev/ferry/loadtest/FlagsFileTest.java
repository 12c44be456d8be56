package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlagsFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path file;

    /** The demo's own flags file, as the router writes it into ferry-demo/: globex on new in the "pilot" rule. */
    @BeforeEach
    void copyTheDemoFlagsFile() throws IOException {
        file = dir.resolve("flags.json");
        Files.copy(Path.of("..", "router", "src", "main", "resources", "demo", "flags.json"), file);
    }

    private JsonNode strategies() throws IOException {
        return JSON.readTree(file.toFile()).path("features").path(0).path("strategies");
    }

    private static List<String> values(JsonNode strategy) {
        List<String> values = new ArrayList<>();
        strategy.path("constraints").path(0).path("values").forEach(v -> values.add(v.asText()));
        return values;
    }

    @Test
    void movesTenantsToNewInARuleOfItsOwnAfterTheExistingRules() throws IOException {
        new FlagsFile(file, "route-tenant-to-new", "loadtest").moveToNew(List.of("t-1", "t-2"));

        JsonNode strategies = strategies();
        assertThat(strategies).hasSize(2);
        assertThat(values(strategies.get(0))).containsExactly("globex");
        JsonNode added = strategies.get(1);
        assertThat(added.path("name").asText()).isEqualTo("flexibleRollout");
        assertThat(added.path("parameters").path("groupId").asText()).isEqualTo("loadtest");
        assertThat(added.path("parameters").path("rollout").asText()).isEqualTo("100");
        assertThat(values(added)).containsExactly("t-1", "t-2");
        assertThat(added.path("variants").path(0).path("payload").path("value").asText())
                .isEqualTo("{\"backend\":\"new\",\"rule\":\"loadtest\"}");
    }

    @Test
    void addsLaterTenantsToTheSameRuleOnceEachAndLeavesNoTemporaryFile() throws IOException {
        FlagsFile flags = new FlagsFile(file, "route-tenant-to-new", "loadtest");

        flags.moveToNew(List.of("t-1", "t-2"));
        flags.moveToNew(List.of("t-2", "t-3"));

        assertThat(strategies()).hasSize(2);
        assertThat(values(strategies().get(1))).containsExactly("t-1", "t-2", "t-3");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void canAddTenantsToAnExistingExplicitListSuchAsTheDemoPilot() throws IOException {
        new FlagsFile(file, "route-tenant-to-new", "pilot").moveToNew(List.of("acme"));

        assertThat(strategies()).hasSize(1);
        assertThat(values(strategies().get(0))).containsExactly("globex", "acme");
    }

    @Test
    void refusesAFileWithoutTheRoutingFlagNamingIt() {
        FlagsFile flags = new FlagsFile(file, "route-to-somewhere", "loadtest");

        assertThatThrownBy(() -> flags.moveToNew(List.of("t-1")))
                .hasMessage("flags file " + file + " has no flag 'route-to-somewhere'"
                        + " (expected: the routing flag, as in the demo's ferry-demo/flags.json)");
    }

    @Test
    void refusesToStartWhileTheRoutingFlagIsDisabled() throws IOException {
        Files.writeString(file, Files.readString(file).replace("\"enabled\": true", "\"enabled\": false"));

        assertThatThrownBy(() -> new FlagsFile(file, "route-tenant-to-new", "loadtest").requireRoutable())
                .hasMessage("flag 'route-tenant-to-new' is disabled in " + file
                        + ": no tenant would move (expected: \"enabled\": true)");
    }
}
