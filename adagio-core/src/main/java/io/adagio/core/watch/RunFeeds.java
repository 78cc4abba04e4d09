package io.adagio.core.watch;

import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunWatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs this process watches, for a backend's {@code watchRun}: one {@link RunFeed} per run,
 * opened from the store by the backend's {@link Source} when the first watcher comes, shared by every
 * later one, and closed when the last one leaves, after a short lingering (a watcher that reconnects
 * at once, a page reloaded, finds the feed still there and resumes where it was instead of reading
 * the run again). One thread of its own publishes every feed's ticks and tells their watchers, so
 * that neither the backend's recording threads nor the store's notifications pay for watchers.
 */
public final class RunFeeds implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunFeeds.class);

    /** How a backend follows one run. */
    @FunctionalInterface
    public interface Source {
        /**
         * Reads the run and calls {@link RunFeed#begin} before returning, then feeds it every
         * change until the returned handle is closed.
         *
         * @throws RepositoryException.NotFound when the run does not exist
         */
        AutoCloseable open(String runId, RunFeed feed);
    }

    /** The least time between two updates of a run: changes within it are sent together. */
    public static final Duration DEFAULT_INTERVAL = TickPacing.DEFAULT.interval();

    private final Source source;
    private final Duration linger;
    private final TickPacing pacing;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** Runs the feeds' ticks and the lingering feeds' ends. */
    private final ScheduledExecutorService timer;

    private final Ticks ticks;

    private volatile boolean closed;

    /**
     * @param linger how long a feed nobody watches stays open; zero closes it at once
     */
    public RunFeeds(Source source, Duration linger) {
        this.source = source;
        this.linger = linger;
        this.pacing = TickPacing.DEFAULT;
        this.clock = System::nanoTime;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("adagio-feeds").unstarted(r));
        this.ticks = (delayNanos, tick) -> {
            try {
                timer.schedule(tick, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // Closed: every watcher has been failed with UNAVAILABLE.
                LOG.debug("no tick: the feeds are closed");
            }
        };
    }

    /** With the feeds' ticks run by {@code ticks} rather than by a thread of their own. */
    RunFeeds(Source source, Duration linger, Ticks ticks) {
        this(source, linger, TickPacing.DEFAULT, ticks, System::nanoTime);
    }

    /** With the feeds' ticks run by {@code ticks}, paced by {@code pacing} on {@code clock}. */
    RunFeeds(Source source, Duration linger, TickPacing pacing, Ticks ticks, LongSupplier clock) {
        this.source = source;
        this.linger = linger;
        this.pacing = pacing;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("adagio-feeds").unstarted(r));
        this.ticks = ticks;
    }

    /** A new watcher of the run (see {@link io.adagio.core.repository.Repository#watchRun}). */
    public RunWatch watch(String runId, long resumeAfter, Runnable onUpdate) {
        ensureOpen();
        var entry = entries.compute(runId, (id, current) -> {
            var e = current == null || current.broken() ? new Entry(id) : current;
            e.retain();
            return e;
        });
        try {
            entry.open();
            return entry.feed.attach(resumeAfter, onUpdate, () -> release(entry));
        } catch (RuntimeException e) {
            release(entry);
            throw e;
        }
    }

    /**
     * The run was deleted through this process: its feed, if one is open or lingering here, fails
     * its watchers with {@code why} at once (rather than when the store's notification arrives), and
     * the next watch of the run opens a new one, which finds the run gone.
     */
    public void fail(String runId, RepositoryException why) {
        var entry = entries.get(runId);
        if (entry != null) {
            entry.feed.fail(why);
        }
    }

    /** How many runs are followed now (lingering feeds included). */
    int followed() {
        return entries.size();
    }

    /** Ends every watch with UNAVAILABLE and stops following every run. */
    @Override
    public void close() {
        closed = true;
        for (var entry : List.copyOf(entries.values())) {
            entry.feed.fail(new RepositoryException.Unavailable("the repository was closed"));
            entries.remove(entry.runId, entry);
            entry.closeSource();
        }
        timer.shutdownNow();
    }

    private void ensureOpen() {
        if (closed) {
            throw new RepositoryException.Unavailable("the repository was closed");
        }
    }

    /** A watcher left: the last one of a run closes the feed (after lingering, if it is sound). */
    private void release(Entry entry) {
        var retired = new Entry[1];
        entries.compute(entry.runId, (id, current) -> {
            if (entry.releaseOne() > 0) {
                return current;
            }
            if (current == entry && !entry.broken() && !linger.isZero() && !closed) {
                entry.linger(timer.schedule(() -> retireIfIdle(entry), linger.toMillis(), TimeUnit.MILLISECONDS));
                return current;
            }
            retired[0] = entry;
            return current == entry ? null : current;
        });
        if (retired[0] != null) {
            retired[0].closeSource();
        }
    }

    private void retireIfIdle(Entry entry) {
        var retired = new Entry[1];
        entries.computeIfPresent(entry.runId, (id, current) -> {
            if (current != entry || !entry.idle()) {
                return current;
            }
            retired[0] = entry;
            return null;
        });
        if (retired[0] != null) {
            retired[0].closeSource();
        }
    }

    /** One run's feed, how many watch it, and the backend's handle on the store. */
    private final class Entry {
        final String runId;
        final RunFeed feed;
        private final ReentrantLock lock = new ReentrantLock();
        private final ReentrantLock opening = new ReentrantLock();
        // Guarded by lock.
        private int refs;
        private AutoCloseable handle;
        private RuntimeException openFailure;
        private ScheduledFuture<?> lingering;
        private boolean sourceClosed;

        Entry(String runId) {
            this.runId = runId;
            this.feed = new RunFeed(runId, ticks, pacing, clock);
        }

        void retain() {
            lock.lock();
            try {
                refs++;
                if (lingering != null) {
                    lingering.cancel(false);
                    lingering = null;
                }
            } finally {
                lock.unlock();
            }
        }

        int releaseOne() {
            lock.lock();
            try {
                return --refs;
            } finally {
                lock.unlock();
            }
        }

        void linger(ScheduledFuture<?> task) {
            lock.lock();
            try {
                lingering = task;
            } finally {
                lock.unlock();
            }
        }

        boolean idle() {
            lock.lock();
            try {
                return refs == 0;
            } finally {
                lock.unlock();
            }
        }

        /** Whether a new watcher needs a new feed: this one failed to open, or failed since. */
        boolean broken() {
            lock.lock();
            try {
                if (openFailure != null || sourceClosed) {
                    return true;
                }
            } finally {
                lock.unlock();
            }
            return feed.failed();
        }

        /**
         * Opens the feed from the store once; watchers that come meanwhile wait for it (outside the
         * lock that counts them, which the registry takes inside its map updates).
         */
        void open() {
            opening.lock();
            try {
                lock.lock();
                try {
                    if (openFailure != null) {
                        throw openFailure;
                    }
                    if (handle != null || sourceClosed) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                AutoCloseable opened;
                try {
                    opened = source.open(runId, feed);
                } catch (RuntimeException e) {
                    lock.lock();
                    try {
                        openFailure = e;
                    } finally {
                        lock.unlock();
                    }
                    throw e;
                }
                boolean late;
                lock.lock();
                try {
                    late = sourceClosed;
                    handle = late ? null : opened;
                } finally {
                    lock.unlock();
                }
                if (late) {
                    closeQuietly(opened);
                    ensureOpen();
                }
            } finally {
                opening.unlock();
            }
        }

        void closeSource() {
            AutoCloseable h;
            lock.lock();
            try {
                sourceClosed = true;
                h = handle;
                handle = null;
                if (lingering != null) {
                    lingering.cancel(false);
                    lingering = null;
                }
            } finally {
                lock.unlock();
            }
            if (h != null) {
                closeQuietly(h);
            }
        }

        private void closeQuietly(AutoCloseable h) {
            try {
                h.close();
            } catch (Exception e) {
                LOG.warn("closing the feed of run {} failed: {}", runId, e.toString());
            }
        }
    }
}
