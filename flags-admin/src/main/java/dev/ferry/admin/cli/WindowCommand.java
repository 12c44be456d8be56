package dev.ferry.admin.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Opens, closes or shows the migration window: while it is open, a router replica that cannot confirm its flag state
 * within its lease holds legacy-bound requests and then refuses them, rather than route from memory while tenants move.
 */
@Command(
        name = "window",
        mixinStandardHelpOptions = true,
        description = {
            "Open, close or show the migration window (docs/cutover.md). While it is open, a router replica cut off from"
                    + " the flag server for longer than its lease (cutover.lease, 3 s) holds legacy-bound requests and"
                    + " then answers 503 routing_stale: it never guesses where a moving tenant lives. Outside it, a"
                    + " replica routes from memory for up to cutover.window-lease (5 min).",
            "Open it at least cutover.window-lease before the first move of a migration day; close it after the last."
        })
final class WindowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    WindowFlagOption windowFlag = new WindowFlagOption();

    @Parameters(paramLabel = "open|close|show", description = "what to do (default: show)", arity = "0..1")
    String action = "show";

    private final FlagsAdmin root;

    WindowCommand(FlagsAdmin root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        var store = root.store();
        switch (action) {
            case "open" -> store.window(windowFlag.name, true);
            case "close" -> store.window(windowFlag.name, false);
            case "show" -> {
                // read below
            }
            default ->
                throw new dev.ferry.admin.tenants.BadInputException(
                        "window " + action + " (expected: open, close or show)");
        }
        boolean open = store.windowOpen(windowFlag.name);
        var out = spec.commandLine().getOut();
        if (root.json) {
            out.println(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                    .objectNode()
                    .put("windowFlag", windowFlag.name)
                    .put("open", open)
                    .put("store", store.describe()));
        } else {
            out.println("Migration window (" + windowFlag.name + " in " + store.describe() + "): "
                    + (open
                            ? "OPEN. Replicas cut off from the flag server for longer than their lease hold, then"
                                    + " refuse, legacy-bound requests."
                            : "closed. Replicas route from memory for up to cutover.window-lease without the flag"
                                    + " server."));
        }
        out.flush();
        return ExitCode.OK;
    }
}
