package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A finish whose answer is lost (the store applied it, the agent heard "unavailable") is retried; the
 * retry is refused as a stale claim, since the first try released the claim. The pool must tell that
 * apart from a claim that really went stale.
 */
class LostFinishResponseTest extends PoolFixture {

    /**
     * The memory repository behind a connection that loses the answer of the first {@code lost}
     * finishes after they applied, and fails the first {@code orphaning} finishes before applying
     * while their node is orphaned meanwhile (the store ended the claim while the agent could not
     * reach it).
     */
    private final class LossyConnection extends ForwardingRepository {
        final AtomicInteger lost;
        final AtomicInteger orphaning;

        LossyConnection(int lost, int orphaning) {
            super(repository);
            this.lost = new AtomicInteger(lost);
            this.orphaning = new AtomicInteger(orphaning);
        }

        @Override
        public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
            if (orphaning.getAndDecrement() > 0) {
                io.adagio.memory.MemoryLiveness.orphan(repository, runId, nodeName);
                throw new RepositoryException.Unavailable("connection refused");
            }
            var node = repository.finishNode(runId, nodeName, result, claim);
            if (lost.getAndDecrement() > 0) {
                throw new RepositoryException.Unavailable("connection reset after the write");
            }
            return node;
        }
    }

    /**
     * The memory repository behind a connection that loses the answer of the first finish that claims
     * a next node, and is unavailable for the first {@code failedLooks} inspections after that.
     */
    private final class LossyClaimingConnection extends ForwardingRepository {
        final AtomicInteger lost = new AtomicInteger(1);
        final AtomicInteger claimedNext = new AtomicInteger();
        final AtomicInteger failedLooks;

        LossyClaimingConnection(int failedLooks) {
            super(repository);
            this.failedLooks = new AtomicInteger(failedLooks);
        }

        @Override
        public Run inspectRun(String runId) {
            if (lost.get() <= 0 && failedLooks.getAndDecrement() > 0) {
                throw new RepositoryException.Unavailable("connection refused");
            }
            return super.inspectRun(runId);
        }

        @Override
        public Finished finishAndClaim(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
            var finished = repository.finishAndClaim(runId, nodeName, result, claim, next);
            if (finished.next() != null) {
                claimedNext.incrementAndGet();
                if (lost.getAndDecrement() > 0) {
                    throw new RepositoryException.Unavailable("connection reset after the write");
                }
            }
            return finished;
        }
    }

    /**
     * The lost finish had claimed the next node for this agent: the agent finds it held under its
     * next claim and runs it. Left alone, it would stay RUNNING under a claim nobody works on.
     */
    @Test
    void aNodeClaimedByAFinishWhoseAnswerWasLostStillRuns() {
        assertNodeClaimedByALostFinishRuns(new LossyClaimingConnection(0));
    }

    /** The look that finds the lost finish's claim is retried while the store is still unavailable. */
    @Test
    void aNodeClaimedByAFinishWhoseAnswerWasLostRunsThoughTheFirstLooksFail() {
        var connection = new LossyClaimingConnection(2);
        assertNodeClaimedByALostFinishRuns(connection);
        assertThat(connection.failedLooks.get()).as("the looks that failed").isNegative();
    }

    private void assertNodeClaimedByALostFinishRuns(LossyClaimingConnection connection) {
        var pool = startPool(b ->
                b.repository(connection).agentCount(1).unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
        var run = awaitCompleted(start(Specs.graph()
                .with(task("a", "debug"), task("b", "debug"), task("c", "debug"))
                .edge("a", "b")
                .edge("b", "c")
                .build()));

        assertThat(connection.lost.get()).as("the answer was lost once").isNegative();
        assertThat(connection.claimedNext.get())
                .as("finishes that claimed the next node")
                .isGreaterThanOrEqualTo(1);
        for (var name : new String[] {"a", "b", "c"}) {
            assertThat(node(run, name).attempts())
                    .as("attempts of %s", name)
                    .extracting(Result::conclusion)
                    .containsExactly(Conclusion.SUCCESS);
        }
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(3, 0, 0, 0, 0));
    }

    private AgentPool pool(Repository connection) {
        return startPool(b ->
                b.repository(connection).agentCount(2).unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
    }

    @Test
    void aSuccessWhoseAnswerWasLostCountsAsRecorded() {
        var connection = new LossyConnection(1, 0);
        var pool = pool(connection);
        var run = awaitCompleted(start(Specs.single(task("a", "debug"))));

        assertThat(node(run, "a").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(connection.lost.get()).as("the answer was lost once").isZero();
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 0, 0, 0));
    }

    @Test
    void aFailureToRetryWhoseAnswerWasLostCountsAsRecorded() {
        var connection = new LossyConnection(1, 0);
        var pool = pool(connection);
        var run = awaitCompleted(start(Specs.single(
                task("a", "debug").arg("debug", "conclusion", "fail").retry("fail", 2))));

        // The first FAIL sent the node back to READY: its claim is gone, but the attempt is ours.
        assertThat(node(run, "a").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.FAIL, Conclusion.FAIL);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(0, 2, 0, 0, 0));
    }

    @Test
    void aClaimThatReallyWentStaleIsStillDropped() {
        var connection = new LossyConnection(0, 1);
        var pool = pool(connection);
        var run = awaitCompleted(start(Specs.single(task("a", "debug").retry("error", 2))));

        // The dropped SUCCESS is not recorded; the orphan recovery and the retry are.
        assertThat(node(run, "a").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.ERROR, Conclusion.SUCCESS);
        assertThat(node(run, "a").attempts().getFirst().outputText()).isEqualTo(Protocol.ORPHANED_OUTPUT);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 0, 1, 1));
    }
}
