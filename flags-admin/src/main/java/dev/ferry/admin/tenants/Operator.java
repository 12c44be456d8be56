package dev.ferry.admin.tenants;

/**
 * Who asks for a change, and how.
 *
 * @param name who, written into the rules the change touches ({@code by})
 * @param reason why ({@code --reason}); required with {@code breakGlass}
 * @param breakGlass whether the one-way guard is overridden ({@code --break-glass})
 */
public record Operator(String name, String reason, boolean breakGlass) {
    public Operator {
        if (name == null || name.isBlank()) {
            throw new BadInputException("operator name is empty (expected: --by NAME, or a login name)");
        }
        reason = reason == null || reason.isBlank() ? null : reason.strip();
        if (breakGlass && reason == null) {
            throw new BadInputException("--break-glass without --reason (expected: --reason \"why\", kept with the"
                    + " moved-back marker and in the history)");
        }
    }
}
