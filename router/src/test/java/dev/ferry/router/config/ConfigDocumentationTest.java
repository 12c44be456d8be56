package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the user's reference: it must list every key exactly as the code has it. */
class ConfigDocumentationTest {
    @Test
    void readmeListsEveryKeyWithItsDefaultEnvironmentVariableAndMeaning() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        List<String> expected = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            expected.add("| `" + k.key() + "` | " + (k.defaultValue().isEmpty() ? "" : "`" + k.defaultValue() + "`")
                    + " | `" + k.envName() + "` | " + k.meaning() + (k.secret() ? " Secret: logged as `***`." : "")
                    + " |");
        }
        List<String> documented = readme.stream()
                .filter(line -> line.startsWith("| `") && line.contains("| `FERRY_"))
                .toList();

        assertThat(documented).containsExactlyElementsOf(expected);
    }
}
