package dev.ferry.admin.console;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An API answer that is not a success: the HTTP status, a short {@code error} and a {@code detail} that says what was
 * wrong and what was expected; {@code extra} fields are added to the document (a fresh plan, say).
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String error;
    private final transient ObjectNode extra;

    ApiException(int status, String error, String detail) {
        this(status, error, detail, null);
    }

    ApiException(int status, String error, String detail, ObjectNode extra) {
        super(detail);
        this.status = status;
        this.error = error;
        this.extra = extra;
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    ObjectNode extra() {
        return extra;
    }

    static ApiException badRequest(String detail) {
        return new ApiException(400, "bad input", detail);
    }
}
