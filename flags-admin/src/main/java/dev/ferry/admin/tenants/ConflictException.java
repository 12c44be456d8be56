package dev.ferry.admin.tenants;

/**
 * The migration changed between reading it and writing it (another operator, the Unleash UI, an editor). {@link
 * TenantMover} plans the change again on the fresh state.
 */
public final class ConflictException extends RuntimeException {
    private final String writtenRevision;

    /** Nothing of the change was written. */
    public ConflictException(String message) {
        this(message, null);
    }

    /**
     * @param writtenRevision the revision the change (or part of it) was written as, when the conflict was found
     *     after writing; null when nothing was written
     */
    public ConflictException(String message, String writtenRevision) {
        super(message);
        this.writtenRevision = writtenRevision;
    }

    /** Whether (part of) the change was written before the conflict showed. */
    public boolean written() {
        return writtenRevision != null;
    }

    public String writtenRevision() {
        return writtenRevision;
    }
}
