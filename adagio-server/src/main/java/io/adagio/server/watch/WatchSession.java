package io.adagio.server.watch;

import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one watcher's updates to its stream (a gRPC call or an SSE response): each as soon as the
 * watch has one (the run's feed publishes them at most every
 * {@link io.adagio.core.watch.RunFeeds#DEFAULT_INTERVAL}, less often when its watchers together
 * would take too much, changes in between together) and only when
 * the stream can take it, so a slow reader is sent the latest state of what changed, never a
 * backlog. Ends after the update in which the run completes, when the watch fails, when the
 * client goes away, or when the server stops.
 */
final class WatchSession {
    private static final Logger LOG = LoggerFactory.getLogger(WatchSession.class);

    /** Where the updates go: one stream, with its own encoding and flow control. */
    interface Sink {
        /** Whether the stream can take a message now; if not, it calls {@link #onReady()} when it can. */
        boolean ready();

        void send(RunUpdate update);

        /** Something to keep an idle connection open (nothing for transports with their own pings). */
        void heartbeat();

        void complete();

        void fail(RepositoryException error);
    }

    private final ScheduledExecutorService scheduler;
    private final Duration heartbeat;
    private final Runnable onEnd;
    private final ReentrantLock sending = new ReentrantLock();
    /** An update is pending that was not yet taken. */
    private final AtomicBoolean wanted = new AtomicBoolean(true);
    /** A flush is scheduled. */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile RunWatch watch;
    private volatile Sink sink;
    private volatile long lastSentNanos = System.nanoTime();
    private volatile ScheduledFuture<?> heartbeats;

    WatchSession(ScheduledExecutorService scheduler, Duration heartbeat, Runnable onEnd) {
        this.scheduler = scheduler;
        this.heartbeat = heartbeat;
        this.onEnd = onEnd;
    }

    /** Starts sending: the first update at once, a heartbeat when the stream is idle. */
    void start(RunWatch watch, Sink sink) {
        this.watch = watch;
        this.sink = sink;
        if (!heartbeat.isZero()) {
            try {
                heartbeats = scheduler.scheduleAtFixedRate(
                        this::heartbeat, heartbeat.toNanos(), heartbeat.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                shutdown();
                return;
            }
        }
        schedule(0);
    }

    /** The watch has an update pending (called by the repository: never blocks). */
    void signal() {
        wanted.set(true);
        if (sink != null) {
            schedule(0);
        }
    }

    /** The stream can take messages again. */
    void onReady() {
        if (wanted.get()) {
            schedule(0);
        }
    }

    /** The client went away: stop, without a word to it. */
    void close() {
        sending.lock();
        try {
            end();
        } finally {
            sending.unlock();
        }
    }

    /** The server stops: tell the client, then stop. */
    void shutdown() {
        sending.lock();
        try {
            if (end() && sink != null) {
                sink.fail(new RepositoryException.Unavailable("the server is stopping"));
            }
        } finally {
            sending.unlock();
        }
    }

    private void schedule(long delayNanos) {
        if (ended.get() || !scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(this::flush, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            close(); // the server is stopping
        }
    }

    private void flush() {
        sending.lock();
        try {
            scheduled.set(false);
            if (ended.get() || !sink.ready() || !wanted.getAndSet(false)) {
                return;
            }
            Optional<RunUpdate> update;
            try {
                update = watch.poll();
            } catch (RepositoryException e) {
                if (end()) {
                    sink.fail(e);
                }
                return;
            }
            if (update.isEmpty()) {
                return;
            }
            sink.send(update.get());
            lastSentNanos = System.nanoTime();
            if (update.get().completed() && end()) {
                sink.complete();
            }
        } catch (RuntimeException e) {
            LOG.warn("a watch stream failed", e);
            if (end()) {
                sink.fail(new RepositoryException.Unavailable("the watch failed (see the server log)", e));
            }
        } finally {
            sending.unlock();
        }
    }

    private void heartbeat() {
        sending.lock();
        try {
            if (!ended.get()
                    && System.nanoTime() - lastSentNanos >= heartbeat.toNanos() - TimeUnit.MILLISECONDS.toNanos(50)
                    && sink.ready()) {
                sink.heartbeat();
                lastSentNanos = System.nanoTime();
            }
        } catch (RuntimeException e) {
            LOG.debug("a watch heartbeat failed: {}", e.toString());
        } finally {
            sending.unlock();
        }
    }

    /** Stops once: releases the watch and the heartbeat; false if it had stopped already. */
    private boolean end() {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        var h = heartbeats;
        if (h != null) {
            h.cancel(false);
        }
        var w = watch;
        if (w != null) {
            w.close();
        }
        onEnd.run();
        return true;
    }
}
