package io.adagio.agent;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records attempts' results: finishes the node, retrying while the repository is unavailable or busy
 * (until shutdown's deadline), and tells a finish whose answer was lost (the retry is then refused as
 * a stale claim, though the first try applied) from a claim that really went stale. Any other error
 * drops the result with a log line (an ERROR when the store needs an operator). Counts what it
 * recorded and how long recording takes.
 */
final class ResultRecorder {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final Repository repository;
    private final Backoff backoff;
    /** Retries until this nanotime once shutdown set it ({@link #giveUpAt}). */
    private final Backoff.Patience untilGivenUp = new Backoff.Patience() {
        @Override
        public boolean allowsRetry() {
            return !giveUpSet || System.nanoTime() - giveUpAt < 0;
        }

        @Override
        public void pause(Duration delay) throws InterruptedException {
            Thread.sleep(delay);
        }
    };

    private volatile long giveUpAt;
    private volatile boolean giveUpSet;
    /** How long recording a result typically takes lately. */
    private final TypicalDuration recording = new TypicalDuration();

    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder errored = new LongAdder();
    private final LongAdder orphansRecovered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder cancelled = new LongAdder();

    ResultRecorder(Repository repository, Backoff backoff) {
        this.repository = repository;
        this.backoff = backoff;
    }

    /** From now on an unavailable repository is retried only until {@code nanoTime}. */
    void giveUpAt(long nanoTime) {
        giveUpAt = nanoTime;
        giveUpSet = true;
    }

    /** How long recording a result typically takes lately (the median, not the mean: see {@link TypicalDuration}). */
    long typicalNanos() {
        return recording.nanos();
    }

    ExecutionCounts counts() {
        return new ExecutionCounts(
                succeeded.sum(), failed.sum(), errored.sum(), orphansRecovered.sum(), dropped.sum(), cancelled.sum());
    }

    /** Finishes the node with {@code result}; refusals are logged, never thrown. */
    void record(Execution execution, Result result, boolean orphanRecovery) {
        record(execution, result, orphanRecovery, null);
    }

    /**
     * Finishes the node with {@code result} and, with {@code next}, claims a node the finish makes
     * ready for this agent ({@link io.adagio.core.repository.Repository#finishAndClaim}); refusals
     * are logged, never thrown.
     *
     * @return the node claimed with {@code next}'s claim, which this agent must now run; null when none
     */
    Node record(Execution execution, Result result, boolean orphanRecovery, NextClaim next) {
        long began = System.nanoTime();
        try {
            var finished = finish(execution, result, next);
            if (finished != null) {
                count(result, orphanRecovery);
                log.debug(
                        "finished node \"{}\" of run {}: {}",
                        execution.node.name(),
                        execution.runId,
                        result.conclusion());
                return finished.next();
            }
            dropped.increment();
            return null;
        } finally {
            recording.observe(System.nanoTime() - began);
        }
    }

    /** The finish, when the attempt is recorded now; null when it is not. */
    private Finished finish(Execution execution, Result result, NextClaim next) {
        var tries = new AtomicInteger();
        try {
            return backoff.call(
                    () -> "record the result of " + execution.describe(),
                    () -> {
                        tries.incrementAndGet();
                        return repository.finishAndClaim(
                                execution.runId, execution.node.name(), result, execution.claim, next);
                    },
                    untilGivenUp);
        } catch (RepositoryException.StaleClaim e) {
            // A try that went unanswered (unavailable) may have applied: then the retry finds its own
            // attempt already recorded and the claim released, which is success, not a stale claim.
            var run = tries.get() > 1 ? inspect(execution) : null;
            if (run != null && attemptRecorded(execution, result, run)) {
                log.debug(
                        "{}: result {} was recorded by an earlier try whose answer was lost",
                        execution.describe(),
                        result.conclusion());
                // That try may have claimed a node for this agent, too: it must run, or it would stay
                // RUNNING under a claim nobody works on.
                var claimed = next == null
                        ? null
                        : run.nodes().stream()
                                .filter(n -> n.status() == NodeStatus.RUNNING
                                        && n.claim() != null
                                        && n.claim().id().equals(next.claim().id()))
                                .findFirst()
                                .orElse(null);
                var recorded = run.nodes().stream()
                        .filter(n -> n.name().equals(execution.node.name()))
                        .findFirst()
                        .orElse(execution.node);
                return new Finished(recorded, claimed);
            }
            log.info(
                    "{}: result {} dropped, the claim no longer holds the node (it was orphaned meanwhile)",
                    execution.describe(),
                    result.conclusion());
            return null;
        } catch (RepositoryException e) {
            if (Backoff.needsOperator(e)) {
                log.error("could not record the result of {}: {}", execution.describe(), e.getMessage());
            } else {
                log.warn("could not record the result of {}: {}", execution.describe(), e.getMessage());
            }
            return null;
        } catch (InterruptedException e) {
            log.warn("gave up recording the result of {}: interrupted", execution.describe());
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void count(Result result, boolean orphanRecovery) {
        if (orphanRecovery) {
            orphansRecovered.increment();
            return;
        }
        switch (result.conclusion()) {
            case SUCCESS -> succeeded.increment();
            case FAIL -> failed.increment();
            case ERROR -> errored.increment();
            case CANCELLED -> cancelled.increment();
            case NONE -> {}
        }
    }

    /**
     * The run as it is now, or null when the repository cannot tell. Retried like the finish: the
     * store that lost the finish's answer may still be unavailable, and giving up here would leave a
     * node the lost finish claimed RUNNING with nobody working on it.
     */
    private Run inspect(Execution execution) {
        try {
            return backoff.call(
                    () -> "tell whether " + execution.describe() + " was recorded",
                    () -> repository.inspectRun(execution.runId),
                    untilGivenUp);
        } catch (RepositoryException e) {
            log.warn("cannot tell whether {} was recorded: {}", execution.describe(), e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Whether the node holds the attempt this execution reported: completed under its claim, or
     * with the attempt after those it had when claimed equal to {@code result}. (An orphaned-attempt
     * report may match another agent's identical one; either way that attempt is recorded once.)
     */
    private static boolean attemptRecorded(Execution execution, Result result, Run run) {
        var now = run.node(execution.node.name()).orElse(null);
        if (now == null) {
            return false;
        }
        if (now.status() == NodeStatus.COMPLETED
                && now.claim() != null
                && now.claim().id().equals(execution.claim.id())) {
            return true;
        }
        int before = execution.node.attempts().size();
        return now.attempts().size() > before && now.attempts().get(before).sameOutcome(result);
    }
}
