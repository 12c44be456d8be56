package dev.ferry.admin.tenants;

/** The store cannot be read or written: Unleash unreachable, a refused token, a server error, an unwritable file. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
