package dev.ferry.admin.cli;

import dev.ferry.admin.tenants.Progress;
import java.io.PrintWriter;

/**
 * One line on stderr, rewritten in place ("writing rule pilot (10,000 tenants) [2/4]"), at most ten times a second,
 * and cleared when the operation ends. Only for a person at a terminal: a pipe or a log gets nothing.
 */
final class LineProgress implements Progress {
    private final PrintWriter err;
    private long lastPrint;
    private int width;

    LineProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void step(String step, long done, long total) {
        long now = System.nanoTime();
        if (now - lastPrint < 100_000_000L && done != 0) {
            return;
        }
        lastPrint = now;
        String line = step + (total > 0 ? " [" + done + "/" + total + "]" : "");
        err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        err.flush();
        width = line.length();
    }

    @Override
    public void done() {
        if (width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }
}
