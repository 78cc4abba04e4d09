package io.adagio.daemon;

/** A failure to start with a valid configuration (port in use, backend unreachable): exit code 1. */
public final class StartupException extends RuntimeException {
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    public StartupException(String message) {
        super(message);
    }
}
