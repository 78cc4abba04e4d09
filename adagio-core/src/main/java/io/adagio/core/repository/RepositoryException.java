package io.adagio.core.repository;

import java.util.List;

/**
 * Every error a repository reports. Sealed so that the API layer maps each kind to one status code
 * with an exhaustive {@code switch}, and so that a caller decides whether to try again by the type
 * ({@link #retryable()}), never by the message. The message is written for the user and never holds
 * a stack trace.
 *
 * <p>Three families: the request's fault ({@link NotFound}, {@link NotReady}, {@link InvalidSpec},
 * {@link LimitExceeded}, {@link StaleClaim}, {@link InvalidRequest}); the store's passing trouble,
 * which the same request made later can get past ({@link Retryable}: {@link Unavailable},
 * {@link Contention}, {@link StorageFull}); and the store's lasting trouble, which no retry fixes ({@link StorageFormat},
 * {@link AccessDenied}).
 */
public abstract sealed class RepositoryException extends RuntimeException
        permits RepositoryException.NotFound,
                RepositoryException.NotReady,
                RepositoryException.InvalidSpec,
                RepositoryException.LimitExceeded,
                RepositoryException.StaleClaim,
                RepositoryException.InvalidRequest,
                RepositoryException.FailedPrecondition,
                RepositoryException.Retryable,
                RepositoryException.StorageFormat,
                RepositoryException.AccessDenied {

    protected RepositoryException(String message) {
        super(message);
    }

    protected RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether the same request, made again later and unchanged, can succeed: true exactly for the
     * {@link Retryable} kinds. Anything else ends the call (or the agent) with its message.
     */
    public final boolean retryable() {
        return this instanceof Retryable;
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
        /** How many problems the message lists ({@link #problems()} has them all). */
        public static final int MAX_PROBLEMS_IN_MESSAGE = 20;

        private final List<String> problems;

        public InvalidSpec(List<String> problems) {
            super("invalid graph spec: " + summary(problems));
            this.problems = List.copyOf(problems);
        }

        /** The first problems in full; a spec wrong in ten thousand places is not told so ten thousand times. */
        private static String summary(List<String> problems) {
            int shown = Math.min(problems.size(), MAX_PROBLEMS_IN_MESSAGE);
            String text = String.join("; ", problems.subList(0, shown));
            return shown == problems.size() ? text : text + "; and " + (problems.size() - shown) + " more problems";
        }

        public List<String> problems() {
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

    /**
     * An operation the run's current state does not allow (rerunning or deleting a run that has not
     * completed, say). The request itself is well formed; it may succeed once the run has moved on.
     */
    public static final class FailedPrecondition extends RepositoryException {
        public FailedPrecondition(String message) {
            super(message);
        }

        /** A delete of a run that is still WAITING or RUNNING. */
        public static FailedPrecondition deleteBeforeCompletion(String runId) {
            return new FailedPrecondition(
                    "run \"" + runId
                            + "\" has not completed: only a completed run can be deleted (wait for it to complete, or cancel it)");
        }
    }

    /** A malformed request that is not a graph spec (for example a finish with no conclusion). */
    public static final class InvalidRequest extends RepositoryException {
        public InvalidRequest(String message) {
            super(message);
        }
    }

    /**
     * The store's passing trouble: the request did nothing wrong and, made again later, can succeed.
     * A caller that retries catches this type.
     */
    public abstract static sealed class Retryable extends RepositoryException
            permits Unavailable, Contention, StorageFull {
        protected Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The store could not be reached, did not answer in time, or is closed. Whether a write that got
     * this far was applied is unknown; the protocol's operations are safe to repeat.
     */
    public static final class Unavailable extends Retryable {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        public Unavailable(String message) {
            super(message, null);
        }
    }

    /**
     * The backend gave up after too many conflicting concurrent writes to the same records (or waiting
     * for another writer that did not finish); nothing was changed, and trying again later can succeed.
     */
    public static final class Contention extends Retryable {
        public Contention(String message) {
            super(message, null);
        }
    }

    /**
     * The store is out of space and refuses writes (etcd's NOSPACE alarm): nothing was changed. Reads
     * still work, and the same request succeeds once an operator has made room, so a finish of
     * running work keeps trying; a start is refused with this message, which says what to do.
     */
    public static final class StorageFull extends Retryable {
        public StorageFull(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A stored record the backend cannot read: corrupt, not written by Adagio, or written in a
     * storage format this release does not know (a newer one). Retrying reads the same record again:
     * an operator must act (upgrade, or repair the store).
     */
    public static final class StorageFormat extends RepositoryException {
        public StorageFormat(String message, Throwable cause) {
            super(message, cause);
        }

        public StorageFormat(String message) {
            super(message);
        }
    }

    /**
     * The store refused this process's credentials or permissions. Retrying with the same ones cannot
     * succeed: an operator must fix the configuration.
     */
    public static final class AccessDenied extends RepositoryException {
        public AccessDenied(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
