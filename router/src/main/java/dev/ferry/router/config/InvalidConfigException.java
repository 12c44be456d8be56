package dev.ferry.router.config;

import java.util.List;

/** Every problem found in a configuration, listed at once, one per line. */
public final class InvalidConfigException extends Exception {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super(problems.size() + (problems.size() == 1 ? " configuration problem:" : " configuration problems:")
                + "\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
