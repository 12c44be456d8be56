package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a flags file, and what only a file does: atomic replacement, an audit file, an editor. */
class FlagsFileStoreTest extends MigrationStoreContract {
    static final String FLAG = "route-tenant-to-new";

    @TempDir
    Path dir;

    Path file;

    @Override
    protected MigrationStore newStore() {
        file = dir.resolve("flags.json");
        try (InputStream demo = FlagsFileStoreTest.class.getResourceAsStream("/demo/flags.json")) {
            // The router's own demo file (pilot: globex to new), from its jar on the test class path
            Files.write(file, demo.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FlagsFileStore(file, FLAG);
    }

    @Override
    protected MigrationStore anotherOperatorsStore() {
        return new FlagsFileStore(file, FLAG);
    }

    @Override
    protected String flag() {
        return FLAG;
    }

    @Override
    protected String servedDocument() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected String servedDocument(String name, java.util.function.Predicate<String> current) {
        return servedDocument();
    }

    @Override
    protected int rounds() {
        return 5;
    }

    @Test
    void replacesTheFileAtomicallyKeepingItsPermissionsAndLeavingNoTemporaryFile() throws Exception {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

        mover().apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE);

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("flags.json", "flags.audit.jsonl", ".flags.json.lock");
        }
        assertRouterAccepts();
    }

    @Test
    void keepsOneAuditLinePerChangeNextToTheFlagsFile() throws Exception {
        mover().apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE);
        mover().apply(new Change.Pin(Set.of("umbrella")), new Operator("john", "legal hold", false));

        List<String> lines = Files.readAllLines(dir.resolve("flags.audit.jsonl"));

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .contains("\"by\":\"jane\"")
                .contains("\"operation\":\"move acme --to new --rule pilot --immediate\"")
                .contains("{\"tenant\":\"acme\",\"from\":\"legacy\",\"fromRule\":null,\"to\":\"new\","
                        + "\"toRule\":\"pilot\",\"at\":null}");
        assertThat(lines.get(1)).contains("\"by\":\"john\"").contains("\"reason\":\"legal hold\"");
        assertThat(store.history(Progress.none())).hasSize(2);
    }

    @Test
    void refusesToWriteOverAnEditorsSave() throws Exception {
        MigrationStore.Snapshot read = store.read();
        Files.writeString(file, Files.readString(file).replace("\"globex\"", "\"globex\", \"hooli\""));
        Migration next = read.migration();

        assertThatThrownBy(() -> store.write(read, next, null, Progress.none()))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("changed since it was read")
                .hasMessageContaining("nothing was written");
        assertThat(Files.readString(file)).contains("\"hooli\"");
    }

    @Test
    void refusesToChangeAFlagWithRulesItCannotEvaluate() throws Exception {
        Files.writeString(
                file, Files.readString(file).replace("\"operator\": \"IN\"", "\"operator\": \"STR_CONTAINS\""));

        assertThatThrownBy(() -> mover().plan(new Change.MoveToNew(Set.of("acme"), "pilot", null), JANE))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("rule #1 (pilot) uses the constraint tenantId STR_CONTAINS");
    }

    @Test
    void namesAMissingFlagsFileAndAMissingFlag() {
        assertThatThrownBy(() -> new FlagsFileStore(dir.resolve("nope.json"), FLAG).read())
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("nope.json does not exist");
        assertThatThrownBy(() -> new FlagsFileStore(file, "other-flag").read())
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("has no flag 'other-flag'");
    }

    @Test
    void namesStrategiesThatAreNoList() throws Exception {
        Files.writeString(
                file,
                "{\"version\": 2, \"features\": [{\"name\": \"" + FLAG
                        + "\", \"enabled\": true, \"strategies\": {}}]}");

        assertThatThrownBy(() -> new FlagsFileStore(file, FLAG).read())
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("'strategies' is object (expected: an array of strategies)");
    }

    @Test
    void saysAChangeIsWrittenWhenOnlyItsHistoryLineFails() throws Exception {
        String name = file.getFileName().toString();
        Path audit = file.resolveSibling(name.substring(0, name.length() - ".json".length()) + ".audit.jsonl");
        Files.deleteIfExists(audit);
        Files.createDirectory(audit); // an audit path that cannot be appended to

        assertThatThrownBy(() -> mover().apply(new Change.MoveToNew(Set.of("hooli"), "pilot", null), JANE))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("the change IS written");
        assertThat(Files.readString(file)).contains("\"hooli\"");
    }

    @Test
    void namesAFlagsFileThatIsNotText() throws Exception {
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b});

        assertThatThrownBy(() -> new FlagsFileStore(file, FLAG).read())
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("is not UTF-8 text (expected: a client-features JSON file)");
    }
}
