package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.TenantIds;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Tenants named on the command line, in a file, or both; every malformed id reported at once. */
final class TenantArgs {
    @Parameters(paramLabel = "TENANT", arity = "0..*", description = "tenant ids (lower-cased; [a-z0-9._-], max 64)")
    List<String> tenants = new ArrayList<>();

    @Option(
            names = "--from-file",
            paramLabel = "FILE",
            description = "tenant ids from a file, one per line (or separated by spaces or commas; # comments);"
                    + " '-' reads stdin")
    Path fromFile;

    Set<String> read() {
        Set<String> ids = new LinkedHashSet<>(TenantIds.parseAll(tenants, "argument"));
        if (fromFile != null) {
            ids.addAll(readFile(fromFile));
        }
        if (ids.isEmpty()) {
            throw new BadInputException("no tenant named (expected: TENANT... or --from-file FILE)");
        }
        return ids;
    }

    static Set<String> readFile(Path file) {
        try (Reader in = file.toString().equals("-")
                ? new InputStreamReader(System.in, StandardCharsets.UTF_8)
                : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return TenantIds.read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException("tenant file " + file + " does not exist");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadInputException("tenant file " + file + " is not UTF-8 text (expected: tenant ids, one per line"
                    + " or separated by spaces or commas)");
        } catch (IOException e) {
            throw new BadInputException("cannot read tenant file " + file + ": " + e.getMessage());
        }
    }
}
