package io.adagio.core.repository;

import java.util.Optional;

/**
 * One watcher of one run ({@link Repository#watchRun}): the run, then its changes until it
 * completes. Pull-based so that a slow reader costs nothing but a little memory: what it has not
 * taken yet is coalesced (each changed node once, in its latest state), never queued, so a watcher
 * holds at most a bit per node of the run however far behind it falls, and never slows the
 * repository or other watchers.
 *
 * <p>The first update is pending as soon as the watch is returned; after each {@link #poll()}, the
 * watch's {@code onUpdate} callback says (once) that another one is pending. Thread-safe.
 */
public interface RunWatch extends AutoCloseable {

    /**
     * Takes the pending update, if any: first a {@link RunUpdate.Snapshot} (or, for a watch that
     * resumed, the {@link RunUpdate.Changes} since the sequence it resumed after), then the changes
     * since the previous update. After the update in which the run is COMPLETED, and after
     * {@link #close()}, always empty.
     *
     * @throws RepositoryException when the watch cannot go on: {@link RepositoryException.NotFound}
     *                             if the run was deleted, {@link RepositoryException.Unavailable} if
     *                             the repository closed or lost its store; the watch is then over
     */
    Optional<RunUpdate> poll();

    /** Whether the watch is over: the COMPLETED update was taken, it failed, or it was closed. */
    boolean finished();

    /** Stops watching and releases what the watch holds. Idempotent. */
    @Override
    void close();
}
