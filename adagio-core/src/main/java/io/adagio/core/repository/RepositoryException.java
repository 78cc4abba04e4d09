package io.adagio.core.repository;

/**
 * Every error a repository reports. Sealed so that the API layer maps each kind to one status code
 * with an exhaustive {@code switch}; the message is written for the user and never holds a stack
 * trace.
 */
public abstract sealed class RepositoryException extends RuntimeException
        permits RepositoryException.NotFound,
                RepositoryException.NotReady,
                RepositoryException.InvalidSpec,
                RepositoryException.LimitExceeded,
                RepositoryException.StaleClaim,
                RepositoryException.InvalidRequest,
                RepositoryException.Unavailable {

    protected RepositoryException(String message) {
        super(message);
    }

    protected RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A run or node that does not exist. */
    public static final class NotFound extends RepositoryException {
        public NotFound(String message) {
            super(message);
        }

        public static NotFound run(String runId) {
            return new NotFound("run \"" + runId + "\" not found");
        }

        public static NotFound node(String runId, String node) {
            return new NotFound("node \"" + node + "\" not found in run \"" + runId + "\"");
        }
    }

    /** A claim on a node whose upstream nodes have not all succeeded. */
    public static final class NotReady extends RepositoryException {
        public NotReady(String runId, String node) {
            super("node \"" + node + "\" of run \"" + runId + "\" is not ready");
        }
    }

    /** A graph spec that breaks the rules; {@link #problems()} lists every problem found. */
    public static final class InvalidSpec extends RepositoryException {
        private final java.util.List<String> problems;

        public InvalidSpec(java.util.List<String> problems) {
            super("invalid graph spec: " + String.join("; ", problems));
            this.problems = java.util.List.copyOf(problems);
        }

        public java.util.List<String> problems() {
            return problems;
        }
    }

    /** A request over a configured size limit. */
    public static final class LimitExceeded extends RepositoryException {
        public LimitExceeded(String message) {
            super(message);
        }
    }

    /** A finish from a claim that no longer holds the node (orphaned, re-claimed, or never held). */
    public static final class StaleClaim extends RepositoryException {
        public StaleClaim(String runId, String node, String claimId) {
            super("claim \"" + claimId + "\" no longer holds node \"" + node + "\" of run \"" + runId + "\"");
        }
    }

    /** A malformed request that is not a graph spec (for example a finish with no conclusion). */
    public static final class InvalidRequest extends RepositoryException {
        public InvalidRequest(String message) {
            super(message);
        }
    }

    /** The backing store cannot be reached or refused the operation; the caller may retry. */
    public static final class Unavailable extends RepositoryException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        public Unavailable(String message) {
            super(message);
        }
    }
}
