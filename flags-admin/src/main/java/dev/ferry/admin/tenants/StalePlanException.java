package dev.ferry.admin.tenants;

/**
 * "Apply exactly the plan I saw": the operator approved a plan made on one revision of the migration, and the
 * migration has changed since. Nothing is written; {@link #plan()} is the same change planned on the fresh state, for
 * the operator to look at and approve again.
 */
public final class StalePlanException extends RuntimeException {
    private final String expected;
    private final Plan plan;

    public StalePlanException(String expected, Plan plan) {
        super("the migration changed since the plan was made: it was planned on revision " + expected
                + ", the flag is now at revision " + plan.before().revision()
                + "; nothing was written (expected: look at the new plan and apply it with its revision)");
        this.expected = expected;
        this.plan = plan;
    }

    /** The revision the operator's plan was made on. */
    public String expected() {
        return expected;
    }

    /** The change planned again on the current state; {@code plan().before().revision()} is its revision. */
    public Plan plan() {
        return plan;
    }
}
