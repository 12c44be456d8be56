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
        name = name.strip();
        if (name.length() > 100 || name.chars().anyMatch(Character::isISOControl)) {
            throw new BadInputException("operator name is not a name (expected: at most 100 characters, no control"
                    + " characters such as line breaks; --by, or \"by\" in the console)");
        }
        reason = reason == null || reason.isBlank() ? null : reason.strip();
        if (reason != null && (reason.length() > 1000 || reason.chars().anyMatch(Character::isISOControl))) {
            throw new BadInputException("the reason is " + reason.length() + " characters or has control characters"
                    + " (expected: one line of at most 1000 characters; it goes into the rules, the history and"
                    + " the log)");
        }
        if (breakGlass && reason == null) {
            throw new BadInputException("--break-glass without --reason (expected: --reason \"why\", kept with the"
                    + " moved-back marker and in the history)");
        }
    }
}
