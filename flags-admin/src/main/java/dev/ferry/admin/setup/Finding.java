package dev.ferry.admin.setup;

import java.util.List;

/**
 * One line of {@code init} or {@code doctor}: what was found, and in words what it means.
 *
 * @param mark how it went
 * @param text the subject and what was found, with what to do when it is a problem
 */
public record Finding(Mark mark, String text) {
    /** How a check or a step went. */
    public enum Mark {
        /** As Ferry needs it (or, for init, there already). */
        OK,
        /** Created by init. */
        CREATED,
        /** Wrong: the text says what and what to do. */
        PROBLEM,
        /** Unleash or a router did not answer, or refused the token: the checks that need it did not run. */
        UNREACHABLE;

        /** What the line starts with: an unreachable server is a problem too. */
        public String label() {
            return this == UNREACHABLE ? "PROBLEM" : name();
        }
    }

    public static Finding ok(String text) {
        return new Finding(Mark.OK, text);
    }

    public static Finding created(String text) {
        return new Finding(Mark.CREATED, text);
    }

    public static Finding problem(String text) {
        return new Finding(Mark.PROBLEM, text);
    }

    public static Finding unreachable(String text) {
        return new Finding(Mark.UNREACHABLE, text);
    }

    public static boolean anyUnreachable(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.mark() == Mark.UNREACHABLE);
    }

    public static boolean anyProblem(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.mark() == Mark.PROBLEM || f.mark() == Mark.UNREACHABLE);
    }
}
