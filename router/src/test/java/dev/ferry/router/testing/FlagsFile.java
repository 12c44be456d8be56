package dev.ferry.router.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** A local flags file, written the way an operator saves an edit (atomically replaced). */
public final class FlagsFile {
    private final Path file;

    public FlagsFile(Path dir) {
        this.file = dir.resolve("flags.json");
    }

    public FlagsFile tenantsOnNew(String... tenants) {
        return write(FlagDocuments.tenantsOnNew(tenants));
    }

    public FlagsFile write(String document) {
        try {
            Path tmp = Files.createTempFile(file.getParent(), "flags", ".tmp");
            Files.writeString(tmp, document, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path() {
        return file;
    }

    public Map<String, String> config() {
        return Map.of("flags.source", "file", "flags.file", file.toString());
    }
}
