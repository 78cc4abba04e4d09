package io.adagio.client;

/**
 * A control-plane call that did not succeed: the server refused it, or could not be reached.
 * {@link #code()} says which kind (the gRPC status vocabulary, whatever the transport), and
 * {@link #getMessage()} is the server's own message, ready to show to a user.
 */
public final class AdagioClientException extends RuntimeException {

    /** Why a call failed, in the vocabulary of gRPC status codes (docs/ARCHITECTURE.md, "Wire contract" maps each to an HTTP status). */
    public enum Code {
        /** The request was wrong (for example an invalid graph spec); the message names every problem. */
        INVALID_ARGUMENT,
        /** The run does not exist. */
        NOT_FOUND,
        /** The run's state does not allow the call (for example a rerun of a run that is still running). */
        FAILED_PRECONDITION,
        /** The request is over a server limit. */
        RESOURCE_EXHAUSTED,
        /** The server (or its backend) cannot be reached or is not serving; the call may be retried. */
        UNAVAILABLE,
        /** Missing or wrong credentials. */
        UNAUTHENTICATED,
        /** Credentials do not allow this call. */
        PERMISSION_DENIED,
        /** A deadline passed before the call (or the awaited run) finished. */
        DEADLINE_EXCEEDED,
        /** The server answered with something this client does not understand, or failed internally. */
        INTERNAL,
        /** Anything else. */
        UNKNOWN
    }

    private final Code code;
    private final String target;

    public AdagioClientException(Code code, String target, String message) {
        this(code, target, message, null);
    }

    public AdagioClientException(Code code, String target, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.target = target;
    }

    public Code code() {
        return code;
    }

    /** The address of the server the call went to ({@code host:port}). */
    public String target() {
        return target;
    }
}
