package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.ClaimResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A worker records its result in the background and takes its next node meanwhile (one result in
 * flight per worker at most), and shutdown still waits for every result being recorded. The pools
 * here claim no next node with their finishes: a worker with nothing else to do would record in line
 * to claim one ({@link EagerClaimTest}), and these tests give it its next node only afterwards.
 */
class BackgroundRecordingTest extends PoolFixture {

    /**
     * The memory repository behind a connection whose finishes wait for the test's permits, and
     * then for {@code roundTrip} (standing in for a network's).
     */
    private final class SlowFinishes extends ForwardingRepository {
        final Semaphore permits = new Semaphore(0);
        volatile Duration roundTrip = Duration.ZERO;
        final CountDownLatch firstFinishEntered = new CountDownLatch(1);
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicBoolean claimedWhileFinishing = new AtomicBoolean();
        private final AtomicInteger claims = new AtomicInteger();
        private final AtomicInteger finishesReturned = new AtomicInteger();

        SlowFinishes() {
            super(repository);
        }

        @Override
        public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                firstFinishEntered.countDown();
                permits.acquireUninterruptibly();
                if (!roundTrip.isZero()) {
                    Thread.sleep(roundTrip);
                }
                return repository.finishNode(runId, nodeName, result, claim);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.adagio.core.repository.RepositoryException.Unavailable("interrupted", e);
            } finally {
                inFlight.decrementAndGet();
                finishesReturned.incrementAndGet();
            }
        }

        @Override
        public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
            // The k-th claim while fewer than k-1 results came back: the worker took this node before
            // its last result was recorded (whether or not the recorder's thread is inside finishNode
            // yet, which is a race the test must not depend on).
            int k = claims.incrementAndGet();
            if (inFlight.get() > 0 || finishesReturned.get() < k - 1) {
                claimedWhileFinishing.set(true);
            }
            return repository.claimNode(runId, nodeName, claim);
        }
    }

    @Test
    void aWorkerTakesItsNextNodeWhileItsLastResultIsBeingRecorded() throws InterruptedException {
        var connection = new SlowFinishes();
        var pool = startPool(b ->
                b.repository(connection).agentCount(1).claimNext(false).backgroundRecordingThreshold(Duration.ZERO));
        var first = start(Specs.single(task("a", "debug")));
        assertThat(connection.firstFinishEntered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isTrue();

        // The only worker's result is stuck on its way, yet the worker claims and runs the next node.
        var second = start(Specs.single(task("b", "debug")));
        awaitStatus(second, "b", NodeStatus.RUNNING);
        assertThat(node(first, "a").status()).as("still being recorded").isEqualTo(NodeStatus.RUNNING);

        connection.permits.release(Integer.MAX_VALUE / 2);
        var third = start(Specs.single(task("c", "debug")));
        for (var run : List.of(first, second, third)) {
            assertThat(awaitCompleted(run).nodes().getFirst().lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        }
        assertThat(connection.claimedWhileFinishing).isTrue();
        assertThat(connection.maxInFlight)
                .as("results in flight for one worker")
                .hasValue(1);
        await().atMost(DEADLINE).until(() -> pool.counts().succeeded() == 3);
    }

    @Test
    void withoutBackgroundRecordingAWorkerRecordsBeforeItTakesTheNextNode() {
        var connection = new SlowFinishes();
        connection.permits.release(Integer.MAX_VALUE / 2);
        startPool(b -> b.repository(connection).agentCount(1).recordInBackground(false));
        var runs = List.of(
                start(Specs.single(task("a", "debug"))),
                start(Specs.single(task("b", "debug"))),
                start(Specs.single(task("c", "debug"))));

        for (var run : runs) {
            assertThat(awaitCompleted(run).nodes().getFirst().lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        }
        assertThat(connection.claimedWhileFinishing).isFalse();
    }

    @Test
    void resultsGoToTheBackgroundOnceRecordingThemTakesARoundTrip() {
        var connection = new SlowFinishes();
        connection.permits.release(Integer.MAX_VALUE / 2);
        // A round trip far longer than the worker needs to take its next node, even on a loaded machine.
        connection.roundTrip = Duration.ofMillis(100);
        // The default threshold: the first result is recorded in line and shows recording is slow.
        startPool(b -> b.repository(connection).agentCount(1).claimNext(false));
        var runs = java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> start(Specs.single(task("n" + i, "debug"))))
                .toList();

        for (var run : runs) {
            assertThat(awaitCompleted(run).nodes().getFirst().lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        }
        assertThat(connection.claimedWhileFinishing).isTrue();
        assertThat(connection.maxInFlight).hasValue(1);
    }

    /**
     * A worker whose result is ready while its previous one is still being recorded hands it over
     * only once that one is done; if shutdown gave up waiting and stopped the recorders meanwhile,
     * the worker records it itself rather than lose it.
     */
    @Test
    void aResultReadyWhenShutdownStoppedTheRecordersIsStillRecorded() throws Exception {
        var connection = new SlowFinishes();
        var pool = startPool(b -> b.repository(connection)
                .agentCount(1)
                .claimNext(false)
                .backgroundRecordingThreshold(Duration.ZERO)
                .shutdownGracePeriod(Duration.ZERO)
                .cancellationTimeout(Duration.ofMillis(50)));
        var first = start(Specs.single(task("a", "debug")));
        assertThat(connection.firstFinishEntered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isTrue();
        var second = start(Specs.single(task("b", "debug")));
        awaitStatus(second, "b", NodeStatus.RUNNING); // ran; its result waits for a's to be recorded

        pool.close(); // gives up on a's recording (still blocked) and stops the recorders
        connection.permits.release(Integer.MAX_VALUE / 2);

        assertThat(awaitCompleted(first).nodes().getFirst().lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        // Recorded once: by the worker (SUCCESS), or by shutdown if it took b's report first (ERROR).
        assertThat(awaitCompleted(second).nodes().getFirst().attempts()).hasSize(1);
    }

    @Test
    void closeWaitsForResultsBeingRecorded() throws Exception {
        var connection = new SlowFinishes();
        // No grace period: what holds close() back is only the result on its way.
        var pool = startPool(b -> b.repository(connection)
                .agentCount(2)
                .claimNext(false)
                .shutdownGracePeriod(Duration.ZERO)
                .backgroundRecordingThreshold(Duration.ZERO));
        var run = start(Specs.single(task("a", "debug")));
        assertThat(connection.firstFinishEntered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isTrue();

        var closing = Thread.ofPlatform().start(pool::close);
        await().atMost(DEADLINE).until(() -> !pool.isRunning());
        assertThat(closing.isAlive())
                .as("close waits for the result being recorded")
                .isTrue();
        connection.permits.release();
        closing.join(DEADLINE.toMillis());

        assertThat(closing.isAlive()).isFalse();
        // Recorded before close returned: nothing a worker finished is lost to a shutdown.
        assertThat(node(run, "a").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(pool.counts().succeeded()).isEqualTo(1);
    }
}
