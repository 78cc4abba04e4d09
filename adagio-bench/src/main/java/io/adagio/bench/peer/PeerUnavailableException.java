package io.adagio.bench.peer;

/** The peer could not be started or used; the message says why, and goes into the report. */
public final class PeerUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    PeerUnavailableException(String message) {
        super(message);
    }
}
