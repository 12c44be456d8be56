package dev.ferry.admin.cli;

import picocli.CommandLine.Option;

/** The migration window's flag, named as the routers name it. */
final class WindowFlagOption {
    @Option(
            names = "--window-flag",
            paramLabel = "NAME",
            defaultValue = "ferry-migration-window",
            description =
                    "the migration window's flag, as the routers' cutover.window-flag (default: ${DEFAULT-VALUE})")
    String name;
}
