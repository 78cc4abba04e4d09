package io.adagio.bench.peer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Simple HTTP polling workers for Conductor, as its own client libraries work: each of
 * {@code threads} threads batch-polls the task type and completes each task it gets at once (a
 * no-op, like the {@code debug} nodes on Adagio's side). Stopped by {@link #close()}.
 */
final class ConductorWorkers implements AutoCloseable {
    /** How the workers poll: printed beside the figures. */
    record PollSettings(int threads, int batchSize, int longPollMillis) {
        String describe() {
            return threads + " worker threads, each GET /api/tasks/poll/batch/{type}?count=" + batchSize + "&timeout="
                    + longPollMillis + " then POST /api/tasks (COMPLETED) per task";
        }
    }

    private static final int MAX_FAILURES_IN_A_ROW = 5;

    private final ConductorClient client;
    private final PollSettings settings;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopping;

    ConductorWorkers(ConductorClient client, PollSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    ConductorWorkers start() {
        for (int i = 0; i < settings.threads(); i++) {
            var workerId = "adagio-bench-" + i;
            threads.add(Thread.ofPlatform().name(workerId).daemon().start(() -> work(workerId)));
        }
        return this;
    }

    private void work(String workerId) {
        int failures = 0;
        while (!stopping) {
            try {
                for (var task : client.pollBatch(
                        ConductorDefinitions.TASK_TYPE, workerId, settings.batchSize(), settings.longPollMillis())) {
                    completeOnce(task, workerId);
                    completed.incrementAndGet();
                }
                failures = 0;
            } catch (IOException e) {
                // A loaded server times a request out now and then; a worker gives up after a few in a row.
                if (!stopping && ++failures >= MAX_FAILURES_IN_A_ROW) {
                    failure.compareAndSet(null, e);
                    return;
                }
            }
        }
    }

    private void completeOnce(ConductorClient.PolledTask task, String workerId) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                client.complete(task, workerId);
                return;
            } catch (IOException e) {
                if (stopping || attempt >= MAX_FAILURES_IN_A_ROW) {
                    throw e;
                }
            }
        }
    }

    long completed() {
        return completed.get();
    }

    /** The first error a worker met (it stopped then), or null. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (var t : threads) {
            t.join(10_000);
        }
    }
}
