package dev.ferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * flags-admin.jar carries only the router's shadow package (see the pom): the router is on the compile class path
 * whole, so anything else of it would compile here and fail in the jar.
 */
class RouterDependencyTest {
    @Test
    void usesNothingOfTheRouterButItsShadowPackage() throws IOException {
        List<String> others;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            others = files.filter(p -> p.toString().endsWith(".java"))
                    .flatMap(RouterDependencyTest::lines)
                    .filter(line -> line.contains("dev.ferry.router.") && !line.contains("dev.ferry.router.shadow."))
                    .toList();
        }

        assertThat(others).isEmpty();
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(line -> file + ": " + line.strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
