package dev.ferry.admin.tenants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The routing flag in a local client-features file (the demo's {@code ferry-demo/flags.json}, the router's {@code
 * flags.source: file}). Writes are atomic (a temporary file in the same directory, then {@code ATOMIC_MOVE}), so the
 * router, which re-reads the file every second, never sees half a file. Each write happens under a lock and only if
 * the file's digest is still the one that was read; an editor that saved in between is a conflict, not overwritten.
 *
 * <p>The audit trail is a JSON-lines file next to it ({@code flags.audit.jsonl} for {@code flags.json}): one {@link
 * HistoryEntry} per change, with the tenants that moved.
 */
public final class FlagsFileStore implements MigrationStore {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Two-space objects, lists of tenants on one line: a 10,000-tenant list stays one line, not 10,000. */
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));

    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final String flag;
    private final Path audit;
    private final Path lock;

    public FlagsFileStore(Path file, String flag) {
        this.file = file;
        this.flag = flag;
        String name = file.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        this.audit = file.resolveSibling(base + ".audit.jsonl");
        this.lock = file.resolveSibling("." + name + ".lock");
    }

    public Path auditFile() {
        return audit;
    }

    @Override
    public String describe() {
        return "flags file " + file;
    }

    @Override
    public Snapshot read() {
        String text = readText();
        return new Snapshot(migration(text), digest(text));
    }

    private Migration migration(String text) {
        ObjectNode feature = feature(parse(text));
        List<Rule> rules = new ArrayList<>();
        JsonNode strategies = feature.path("strategies");
        if (!strategies.isMissingNode() && !strategies.isArray()) {
            throw new BadInputException(describe() + ": 'strategies' is "
                    + strategies.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + " (expected: an array of strategies)");
        }
        for (int i = 0; i < strategies.size(); i++) {
            rules.add(Strategies.read(strategies.get(i), i));
        }
        return new Migration(
                flag,
                feature.path("enabled").asBoolean(false),
                rules,
                "sha256:" + digest(text).substring(0, 12));
    }

    @Override
    public String write(Snapshot base, Migration next, HistoryEntry entry, Progress progress) {
        // A file lock is held for the whole JVM (a second one from the same JVM throws): threads queue here first
        ReentrantLock inProcess =
                IN_PROCESS.computeIfAbsent(lock.toAbsolutePath().normalize(), p -> new ReentrantLock());
        inProcess.lock();
        try {
            return writeLocked(base, next, entry, progress);
        } finally {
            inProcess.unlock();
        }
    }

    private String writeLocked(Snapshot base, Migration next, HistoryEntry entry, Progress progress) {
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = channel.lock();
            try {
                return compareAndWrite(base, next, entry, progress);
            } finally {
                held.release();
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String compareAndWrite(Snapshot base, Migration next, HistoryEntry entry, Progress progress)
            throws IOException {
        String current = readText();
        if (!digest(current).equals(base.digest())) {
            throw new ConflictException(describe() + " changed since it was read (another operator or an editor"
                    + " saved it); nothing was written");
        }
        JsonNode root = parse(current);
        ArrayNode strategies = JSON.createArrayNode();
        for (int i = 0; i < next.rules().size(); i++) {
            progress.step("writing " + file.getFileName(), i, next.rules().size());
            strategies.add(Strategies.write(next.rules().get(i)));
        }
        feature(root).set("strategies", strategies);
        String text = PRETTY.writeValueAsString(root) + "\n";
        replace(text);
        String revision = "sha256:" + digest(text).substring(0, 12);
        if (entry == null) {
            return revision;
        }
        try {
            Files.writeString(
                    audit,
                    entry.withRevision(revision).toJson().toString() + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The flag is written: saying "cannot write" now would hide a change that is live.
            throw new StoreUnavailableException(
                    "the change IS written (" + describe() + " is at revision " + revision + "), but its history"
                            + " line could not be appended to " + audit + ": " + e.getMessage()
                            + " (expected: a writable file beside the flags file; add the entry by hand: "
                            + entry.withRevision(revision).toJson() + ")",
                    e);
        }
        return revision;
    }

    @Override
    public boolean windowOpen(String windowFlag) {
        for (JsonNode feature : parse(readText()).path("features")) {
            if (windowFlag.equals(feature.path("name").asText(null))) {
                return feature.path("enabled").asBoolean(false);
            }
        }
        return false;
    }

    @Override
    public void window(String windowFlag, boolean open) {
        locked(() -> {
            JsonNode root = parse(readText());
            ObjectNode window = flag(root, windowFlag);
            if (window == null) {
                window = ((ArrayNode) root.path("features")).addObject();
                window.put("name", windowFlag).put("type", "operational").put("project", "default");
                window.putArray("strategies").addObject().put("name", "default");
            }
            window.put("enabled", open);
            replace(PRETTY.writeValueAsString(root) + "\n");
            return null;
        });
    }

    @Override
    public Set<String> shadowed(String shadowFlag) {
        return ShadowList.read(readText(), shadowFlag, describe());
    }

    @Override
    public Set<String> shadow(String shadowFlag, Set<String> on, Set<String> off) {
        return locked(() -> {
            String text = readText();
            Set<String> next = ShadowList.next(ShadowList.readAsEnabled(text, shadowFlag, describe()), on, off);
            JsonNode root = parse(text);
            ObjectNode shadow = flag(root, shadowFlag);
            if (shadow == null) {
                shadow = ((ArrayNode) root.path("features")).addObject();
                shadow.put("name", shadowFlag).put("type", "operational").put("project", "default");
            }
            shadow.put("enabled", !next.isEmpty());
            shadow.putArray("strategies").add(ShadowList.strategy(shadowFlag, next));
            replace(PRETTY.writeValueAsString(root) + "\n");
            return next;
        });
    }

    private static ObjectNode flag(JsonNode root, String name) {
        for (JsonNode feature : root.path("features")) {
            if (name.equals(feature.path("name").asText(null)) && feature.isObject()) {
                return (ObjectNode) feature;
            }
        }
        return null;
    }

    private interface FileWork<T> {
        T run() throws IOException;
    }

    /** Work on the file under the same locks as a write of the routing flag (this JVM's, then the file lock). */
    private <T> T locked(FileWork<T> work) {
        ReentrantLock inProcess =
                IN_PROCESS.computeIfAbsent(lock.toAbsolutePath().normalize(), p -> new ReentrantLock());
        inProcess.lock();
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = channel.lock();
            try {
                return work.run();
            } finally {
                held.release();
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            inProcess.unlock();
        }
    }

    /** A temporary file beside it, then one atomic rename: readers see the old file or the new one, never half. */
    private void replace(String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            keepPermissions(temp);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A temporary file is private (0600); the flags file keeps the permissions it had, so the router can read it. */
    private void keepPermissions(Path temp) throws IOException {
        PosixFileAttributeView from = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        PosixFileAttributeView to = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
        if (from != null && to != null) {
            to.setPermissions(from.readAttributes().permissions());
        }
    }

    @Override
    public List<HistoryEntry> history(Progress progress) {
        List<HistoryEntry> entries = new ArrayList<>();
        if (!Files.exists(audit)) {
            return entries;
        }
        try {
            List<String> lines = Files.readAllLines(audit, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                progress.step("reading " + audit.getFileName(), i, lines.size());
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    entries.add(HistoryEntry.fromJson(JSON.readTree(lines.get(i))));
                } catch (JsonProcessingException | RuntimeException e) {
                    throw new StoreUnavailableException("audit file " + audit + " line " + (i + 1)
                            + " is not a history entry (" + e.getMessage() + ")");
                }
            }
            return entries;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read audit file " + audit + ": " + e.getMessage(), e);
        }
    }

    private String readText() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadInputException("flags file " + file + " does not exist (expected: a client-features JSON file,"
                    + " such as the demo's ferry-demo/flags.json)");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadInputException(
                    "flags file " + file + " is not UTF-8 text (expected: a client-features JSON" + " file)");
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read flags file " + file + ": " + e.getMessage(), e);
        }
    }

    private JsonNode parse(String text) {
        try {
            JsonNode root = JSON.readTree(text);
            if (root != null && root.isObject() && root.path("features").isArray()) {
                return root;
            }
        } catch (JsonProcessingException e) {
            throw new BadInputException("flags file " + file + " is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        throw new BadInputException("flags file " + file + " is not a client-features document (expected: {\"version\":"
                + " 2, \"features\": [...]})");
    }

    private ObjectNode feature(JsonNode root) {
        for (JsonNode feature : root.path("features")) {
            if (flag.equals(feature.path("name").asText(null)) && feature.isObject()) {
                return (ObjectNode) feature;
            }
        }
        throw new BadInputException("flags file " + file + " has no flag '" + flag + "' (expected: the routing flag,"
                + " --flag NAME if it has another name)");
    }

    static String digest(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
