package io.adagio.etcd;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work a repository does on its own: periodic tasks and retries, on virtual threads, driven by
 * one timer thread. Everything stops with {@link #close()}.
 */
final class Background implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Background.class);
    private static final long FIRST_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 5_000;

    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("adagio-etcd-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("adagio-etcd-timer").daemon().factory());
    private volatile boolean closed;

    /** The timer, for parts that schedule their own light checks (lease expiry). */
    ScheduledExecutorService timer() {
        return timer;
    }

    void execute(Runnable task) {
        if (closed) {
            return;
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Runs {@code task} on a background thread every {@code period}, the first time after one period. */
    void every(Duration period, Runnable task) {
        long ms = period.toMillis();
        timer.scheduleWithFixedDelay(() -> execute(task), ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} soon on a background thread, again and again with backoff until it succeeds. */
    void retryLater(Runnable task) {
        retryLater(task, FIRST_RETRY_MS);
    }

    private void retryLater(Runnable task, long delayMs) {
        if (closed) {
            return;
        }
        try {
            timer.schedule(
                    () -> execute(() -> {
                        try {
                            task.run();
                        } catch (RuntimeException e) {
                            LOG.info("etcd not ready ({}); retrying", e.getMessage());
                            retryLater(task, Math.min(delayMs * 2, MAX_RETRY_MS));
                        }
                    }),
                    delayMs,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        executor.shutdownNow();
    }
}
