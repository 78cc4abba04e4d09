package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A worker with nothing else to do has its finish claim the node it makes ready, and runs it next:
 * a chain runs on claims from finishes, not from events. A worker with work waiting takes its next
 * event before its finish, which claims that event's node: a fan-out runs on finishes too.
 */
class EagerClaimTest extends PoolFixture {

    /** The memory repository behind a connection that counts claims, and finishes that claimed a node. */
    private final class Counting extends ForwardingRepository {
        final AtomicInteger claims = new AtomicInteger();
        final AtomicInteger claimedByFinishes = new AtomicInteger();

        Counting() {
            super(repository);
        }

        @Override
        public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
            claims.incrementAndGet();
            return repository.claimNode(runId, nodeName, claim);
        }

        @Override
        public Finished finishAndClaim(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
            var finished = repository.finishAndClaim(runId, nodeName, result, claim, next);
            if (finished.next() != null) {
                claimedByFinishes.incrementAndGet();
            }
            return finished;
        }
    }

    private static Specs chain(int length, String runtime) {
        var spec = Specs.graph();
        for (int i = 0; i < length; i++) {
            spec.with(task("n" + i, runtime));
            if (i > 0) {
                spec.edge("n" + (i - 1), "n" + i);
            }
        }
        return spec;
    }

    @Test
    void aChainIsClaimedOnceAndThenByItsFinishes() {
        var connection = new Counting();
        var pool = startPool(b -> b.repository(connection).agentCount(2));
        var run = awaitCompleted(start(chain(20, "debug").build()));

        assertThat(run.nodes()).allSatisfy(n -> assertThat(n.lastConclusion()).isEqualTo(Conclusion.SUCCESS));
        assertThat(connection.claims).as("claims from events").hasValue(1);
        assertThat(connection.claimedByFinishes).as("nodes claimed by finishes").hasValue(19);
        // Each node's input is its upstream's output, as with claims from events.
        assertThat(node(run, "n19").inputs()).containsOnlyKeys("n18");
        assertThat(pool.counts().succeeded()).isEqualTo(20);
    }

    @Test
    void offEveryNodeIsClaimedFromItsEvent() {
        var connection = new Counting();
        startPool(b -> b.repository(connection).agentCount(2).claimNext(false));
        var run = awaitCompleted(start(chain(5, "debug").build()));

        assertThat(run.nodes()).allSatisfy(n -> assertThat(n.lastConclusion()).isEqualTo(Conclusion.SUCCESS));
        assertThat(connection.claims).hasValue(5);
        assertThat(connection.claimedByFinishes).hasValue(0);
    }

    /** A node of a runtime this agent lacks is left to its event, for an agent that has it. */
    @Test
    void aNodeOfAnotherRuntimeIsLeftToAnAgentThatHasIt() {
        var connection = new Counting();
        startPool(b -> b.repository(connection)
                .agentCount(1)
                .runtimes(io.adagio.agent.runtime.RuntimeRegistry.discover().only("debug")));
        startPool(b -> b.repository(connection)
                .agentCount(1)
                .runtimes(io.adagio.agent.runtime.RuntimeRegistry.discover().only("exec")));
        var run = awaitCompleted(start(Specs.graph()
                .with(
                        task("a", "debug"),
                        task("b", "exec").arg("exec", "command", "echo").arg("exec", "args", "hi"))
                .edge("a", "b")
                .build()));

        assertThat(node(run, "b").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(connection.claims).as("both claimed from their events").hasValue(2);
        assertThat(connection.claimedByFinishes).hasValue(0);
    }

    private static void assertEachSucceededOnce(io.adagio.core.model.Run run) {
        assertThat(run.nodes()).allSatisfy(n -> {
            assertThat(n.lastConclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(n.attempts()).hasSize(1);
        });
    }

    private static Specs fanOut(int width) {
        var spec = Specs.graph().with(task("root", "debug"), task("sink", "debug"));
        for (int i = 0; i < width; i++) {
            spec.with(task("n" + i, "debug")).edge("root", "n" + i).edge("n" + i, "sink");
        }
        return spec;
    }

    @Test
    void aFanOutsNodesAreClaimedByTheFinishesOfTheNodesBeforeThem() {
        var connection = new Counting();
        // Recorded in line, as an in-memory repository's results soon are (background recording
        // overlaps the finish with the next claim instead).
        var pool = startPool(b -> b.repository(connection).agentCount(2).recordInBackground(false));
        var run = awaitCompleted(start(fanOut(100).build()));

        assertEachSucceededOnce(run);
        assertThat(node(run, "sink").inputs()).hasSize(100);
        assertThat(pool.counts().succeeded()).isEqualTo(102);
        // Claimed from events: the root, and a node or two per worker before finishes take over.
        assertThat(connection.claims.get()).as("claims from events").isLessThan(20);
        assertThat(connection.claimedByFinishes.get())
                .as("nodes claimed by finishes")
                .isGreaterThan(80);
    }

    /** Two pools see every event: a node one names in a finish may be the other's already. */
    @Test
    void anEventTakenAheadWhoseNodeAnotherPoolClaimedIsNotLostNorRunTwice() {
        var connection = new Counting();
        var first = startPool(b -> b.repository(connection).agentCount(2).recordInBackground(false));
        var second = startPool(b -> b.repository(connection).agentCount(2).recordInBackground(false));
        var run = awaitCompleted(start(fanOut(300).build()));

        assertEachSucceededOnce(run);
        assertThat(node(run, "sink").inputs()).hasSize(300);
        assertThat(first.counts().succeeded() + second.counts().succeeded()).isEqualTo(302);
    }
}
