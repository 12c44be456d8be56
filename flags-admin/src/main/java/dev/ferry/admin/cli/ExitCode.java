package dev.ferry.admin.cli;

/** flags-admin's exit codes, as {@code --help} and docs/flags-admin.md list them. */
public final class ExitCode {
    /** Done (a plan was shown, a change written, or nothing needed changing). */
    public static final int OK = 0;
    /** Refused by the one-way guard, or the flag kept changing under the change (a conflict that did not resolve). */
    public static final int REFUSED = 1;
    /** Bad input: a malformed tenant id, an unknown rule, a missing flag or file, wrong options. */
    public static final int BAD_INPUT = 2;
    /** The store cannot be used: Unleash unreachable, the token refused (401/403), Unleash refused the request. */
    public static final int UNAVAILABLE = 3;

    /** The change is written, but not every replica given to --wait-for-fleet confirmed it within the timeout. */
    public static final int FLEET_BEHIND = 4;

    /** A bug in flags-admin: the stack trace is printed (EX_SOFTWARE). */
    public static final int BUG = 70;

    private ExitCode() {}
}
