package io.adagio.etcd;

import io.adagio.core.repository.RepositoryException;
import io.grpc.Status;

/**
 * Turns a failed etcd request into the repository's typed errors: credentials or permissions etcd
 * refused are {@link RepositoryException.AccessDenied} (no retry helps), a write refused because
 * etcd's database is full is {@link RepositoryException.StorageFull} (it succeeds once an operator
 * made room), everything else that went wrong on the way is {@link RepositoryException.Unavailable}
 * (a retry may get through).
 */
final class EtcdErrors {
    /** How etcd says that a request came without a user where authentication is on. */
    private static final String NO_USER = "user name is empty";
    /** How etcd says that the user or password is wrong (as INVALID_ARGUMENT, not UNAUTHENTICATED). */
    private static final String BAD_PASSWORD = "authentication failed";
    /** How etcd refuses a write while its NOSPACE alarm is raised (its database reached its quota). */
    static final String NO_SPACE = "database space exceeded";
    /**
     * What the operator does about a full etcd, in the order that works: while the alarm is raised a
     * delete of runs is refused too (it also updates the counters), but compaction and defragmentation
     * are not.
     */
    static final String NO_SPACE_ADVICE = "etcd's database is full (its NOSPACE alarm is raised) and it refuses"
            + " every write: compact and defragment etcd (etcdctl compact, etcdctl defrag), disarm the alarm"
            + " (etcdctl alarm disarm), then delete runs (adagio runs rm, or a stricter retention policy), or"
            + " raise etcd's --quota-backend-bytes; see docs/OPERATIONS.md";

    private EtcdErrors() {}

    static RepositoryException classify(Throwable failure, EtcdSettings settings) {
        if (failure instanceof RepositoryException known) {
            return known;
        }
        if (failure instanceof java.util.concurrent.TimeoutException) {
            return new RepositoryException.Unavailable(
                    "etcd at " + String.join(",", settings.addresses()) + " did not answer within "
                            + settings.requestTimeout(),
                    failure);
        }
        var status = Status.fromThrowable(failure);
        var description = status.getDescription() == null ? "" : status.getDescription();
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && description.contains(NO_SPACE)) {
            return new RepositoryException.StorageFull(NO_SPACE_ADVICE, failure);
        }
        boolean refused = status.getCode() == Status.Code.UNAUTHENTICATED
                || status.getCode() == Status.Code.PERMISSION_DENIED
                || (status.getCode() == Status.Code.INVALID_ARGUMENT
                        && (description.contains(NO_USER) || description.contains(BAD_PASSWORD)));
        if (refused) {
            return new RepositoryException.AccessDenied(
                    "etcd authentication failed at " + String.join(",", settings.addresses())
                            + (settings.username() == null
                                    ? " (no user given)"
                                    : " (user \"" + settings.username() + "\")")
                            + ": " + failure.getMessage(),
                    failure);
        }
        return new RepositoryException.Unavailable(
                "etcd at " + String.join(",", settings.addresses()) + " failed: " + failure.getMessage(), failure);
    }

    /** Whether etcd said that the lease a request used is gone (revoked or expired). */
    static boolean leaseGone(Throwable failure) {
        for (var t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("lease not found")) {
                return true;
            }
        }
        return false;
    }
}
