package io.adagio.daemon.retention;

import io.adagio.core.model.RunRef;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Applies a {@link RetentionPolicy} once: walks the runs oldest first (creation order) and deletes
 * each completed one that is too old, or among the oldest {@code runCount - maxRuns}; stops at the
 * first run that is neither. A run still running is passed over (the repository refuses its
 * delete), counted as kept, and looked at again next time. Deletes of one page go a few at a time.
 */
final class RetentionPass {
    /** Runs read per page, and deleted per round. */
    static final int PAGE = 200;
    /** Deletes in flight at once: each is one or two round trips to etcd. */
    private static final int PARALLEL_DELETES = 8;

    /**
     * What a pass did.
     *
     * @param oldest the creation time of the oldest run deleted, null when none was
     * @param newest the creation time of the newest run deleted, null when none was
     */
    record Outcome(int deleted, int stillRunning, Instant oldest, Instant newest) {
        static final Outcome NOTHING = new Outcome(0, 0, null, null);
    }

    private RetentionPass() {}

    static Outcome apply(Repository repository, RetentionPolicy policy, Instant now) {
        return apply(repository, policy, now, () -> {});
    }

    /** @param onDeleted told of each run deleted, as it is (a counter that follows the deletes closely) */
    static Outcome apply(Repository repository, RetentionPolicy policy, Instant now, Runnable onDeleted) {
        if (!policy.enabled()) {
            return Outcome.NOTHING;
        }
        Instant cutoff = policy.cutoff(now);
        // Runs beyond the newest maxRuns, counted from the oldest: the first `excess` runs walked.
        long excess = policy.maxRuns() == 0 ? 0 : repository.stats().runCount() - policy.maxRuns();
        int deleted = 0;
        int running = 0;
        Instant oldest = null;
        Instant newest = null;
        RunRef after = null;
        try (var deleters = Executors.newVirtualThreadPerTaskExecutor()) {
            while (true) {
                var page = repository.oldestRuns(after, PAGE);
                var doomed = new ArrayList<RunRef>();
                boolean done = page.size() < PAGE;
                for (var run : page) {
                    boolean tooOld = cutoff != null && run.createdAt().isBefore(cutoff);
                    boolean tooMany = excess > 0;
                    if (!tooOld && !tooMany) {
                        done = true; // every later run is newer, and within the count
                        break;
                    }
                    excess--;
                    doomed.add(run);
                    after = run;
                }
                var results = deleteAll(repository, doomed, deleters, onDeleted);
                for (int i = 0; i < doomed.size(); i++) {
                    switch (results.get(i)) {
                        case DELETED -> {
                            deleted++;
                            var created = doomed.get(i).createdAt();
                            oldest = oldest == null || created.isBefore(oldest) ? created : oldest;
                            newest = newest == null || created.isAfter(newest) ? created : newest;
                        }
                        case RUNNING -> running++;
                        case GONE -> {}
                    }
                }
                if (done || page.isEmpty()) {
                    return new Outcome(deleted, running, oldest, newest);
                }
            }
        }
    }

    private enum Result {
        DELETED,
        RUNNING,
        GONE
    }

    private static List<Result> deleteAll(
            Repository repository,
            List<RunRef> runs,
            java.util.concurrent.ExecutorService deleters,
            Runnable onDeleted) {
        var futures = new ArrayList<Future<Result>>(runs.size());
        var permits = new java.util.concurrent.Semaphore(PARALLEL_DELETES);
        for (var run : runs) {
            futures.add(deleters.submit(() -> {
                permits.acquire();
                try {
                    repository.deleteRun(run.id());
                    onDeleted.run();
                    return Result.DELETED;
                } catch (RepositoryException.FailedPrecondition e) {
                    return Result.RUNNING;
                } catch (RepositoryException.NotFound e) {
                    return Result.GONE; // deleted by someone else meanwhile
                } finally {
                    permits.release();
                }
            }));
        }
        var out = new ArrayList<Result>(runs.size());
        for (var f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RepositoryException.Unavailable("retention interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return out;
    }
}
