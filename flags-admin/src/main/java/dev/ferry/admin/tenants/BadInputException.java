package dev.ferry.admin.tenants;

/** Input that can never work (a malformed tenant id, an unknown rule, a missing flag): fix the input and run again. */
public final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }
}
