package io.adagio.agent;

import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.repository.NextClaim;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where a worker's result is recorded: in line, or, once recording takes a while (a remote
 * repository: a round trip or more), in the background while the worker takes its next node, so
 * that the round trip overlaps the next claim instead of adding to every node's hand-over. Each
 * worker has its {@link Lane}: at most one of its results in flight.
 */
final class BackgroundRecording {
    private final ResultRecorder recorder;
    private final InFlight inFlight;
    private final boolean enabled;
    private final long thresholdNanos;
    /** Records results while their workers go on (virtual threads: recording only waits on I/O). */
    private final ExecutorService recorders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("adagio-agent-record-", 0).factory());

    private final Set<CompletableFuture<Void>> recordings = ConcurrentHashMap.newKeySet();

    BackgroundRecording(ResultRecorder recorder, InFlight inFlight, boolean enabled, Duration threshold) {
        this.recorder = recorder;
        this.inFlight = inFlight;
        this.enabled = enabled;
        this.thresholdNanos = threshold.toNanos();
    }

    /** A new worker's lane. */
    Lane lane() {
        return new Lane();
    }

    /** Waits up to {@code timeout} for the results being recorded in the background; false if some still are. */
    boolean awaitAll(Duration timeout) throws InterruptedException {
        try {
            CompletableFuture.allOf(recordings.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** The number of results being recorded in the background. */
    int pending() {
        return recordings.size();
    }

    /** Takes no more results: a worker whose result comes later records it itself. */
    void shutdown() {
        recorders.shutdown();
    }

    /** One worker's way to the recorder: its results in order, at most one of them in flight. */
    final class Lane {
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

        private Lane() {}

        /**
         * Records the attempt's result, here or in the background, and then releases it from
         * {@link InFlight}, whatever happens.
         */
        void record(Execution execution, Result result, boolean orphan) {
            if (inLine()) {
                recordHere(execution, result, orphan);
                return;
            }
            awaitPrevious();
            var recording = new CompletableFuture<Void>();
            recordings.add(recording);
            try {
                recorders.execute(() -> {
                    try {
                        recordHere(execution, result, orphan);
                    } finally {
                        recordings.remove(recording);
                        recording.complete(null);
                    }
                });
                previous = recording;
            } catch (RejectedExecutionException e) {
                // Shutdown already stopped the recorders: this one is recorded here.
                recordings.remove(recording);
                recording.complete(null);
                recordHere(execution, result, orphan);
            }
        }

        /** Whether {@link #record} records here, the repository answering quickly (in memory, say). */
        boolean inLine() {
            return !enabled || recorder.typicalNanos() < thresholdNanos;
        }

        /**
         * Records the attempt's result here, after this worker's previous one, claiming with {@code
         * next} a node the finish makes ready; then releases it from {@link InFlight}, whatever happens.
         *
         * @return the node claimed for this worker to run, or null
         */
        Node recordAndClaim(Execution execution, Result result, NextClaim next) {
            awaitPrevious();
            try {
                return recorder.record(execution, result, false, next);
            } finally {
                inFlight.release(execution);
            }
        }

        private void recordHere(Execution execution, Result result, boolean orphan) {
            try {
                recorder.record(execution, result, orphan);
            } finally {
                inFlight.release(execution);
            }
        }

        /** Waits for this worker's previous result to be recorded: at most one in flight per worker. */
        private void awaitPrevious() {
            boolean interrupted = false;
            while (true) {
                try {
                    previous.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // recording ends by itself (the recorder gives up when shut down)
                } catch (ExecutionException e) {
                    break; // recording does not throw; nothing to wait for
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
