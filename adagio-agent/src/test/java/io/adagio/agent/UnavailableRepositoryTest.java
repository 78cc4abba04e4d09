package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A store that briefly cannot be reached delays work but loses none of it. */
class UnavailableRepositoryTest extends PoolFixture {

    /** The memory repository behind a connection that drops the first few claims and finishes. */
    static final class Unreliable extends ForwardingRepository {
        final AtomicInteger claimFailures;
        final AtomicInteger finishFailures;
        /** Fails after the write went through, as a lost response would. */
        final AtomicInteger lostClaimResponses;

        final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

        Unreliable(Repository inner, int claims, int finishes, int lostClaims) {
            super(inner);
            this.claimFailures = new AtomicInteger(claims);
            this.finishFailures = new AtomicInteger(finishes);
            this.lostClaimResponses = new AtomicInteger(lostClaims);
        }

        @Override
        public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
            if (claimFailures.getAndDecrement() > 0) {
                throw new RepositoryException.Unavailable("connection refused");
            }
            var result = inner.claimNode(runId, nodeName, claim);
            if (result.claimed() && lostClaimResponses.getAndDecrement() > 0) {
                throw new RepositoryException.Unavailable("connection reset after the write");
            }
            return result;
        }

        @Override
        public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
            if (finishFailures.getAndDecrement() > 0) {
                throw new RepositoryException.Unavailable("connection refused");
            }
            return inner.finishNode(runId, nodeName, result, claim);
        }

        @Override
        public Subscription subscribe(Agent agent, Set<Event.Type> types) {
            var subscription = inner.subscribe(agent, types);
            subscriptions.add(subscription);
            return subscription;
        }
    }

    @Test
    void claimsAndFinishesAreRetriedWhileTheRepositoryIsUnavailable() {
        var unreliable = new Unreliable(repository, 3, 3, 1);
        var pool = startPool(b ->
                b.repository(unreliable).agentCount(2).unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
        var run = awaitCompleted(start(Specs.graph()
                .with(task("a", "debug"), task("b", "debug"))
                .edge("a", "b")
                .build()));

        assertThat(run.nodes())
                .allSatisfy(n ->
                        assertThat(n.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS));
        assertThat(unreliable.claimFailures.get()).isNegative();
        assertThat(unreliable.finishFailures.get()).isNegative();
        assertThat(unreliable.lostClaimResponses.get()).isNegative();
        assertThat(pool.counts().succeeded()).isEqualTo(2);
    }

    @Test
    void aSubscriptionClosedByTheRepositoryIsRenewed() {
        var connection = new Unreliable(repository, 0, 0, 0);
        var pool = startPool(b ->
                b.repository(connection).agentCount(2).unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
        // What a backend does when it loses the agent's lease: it ends the subscription.
        connection.subscriptions.getFirst().close();
        await().atMost(DEADLINE).until(() -> connection.subscriptions.size() == 2);

        assertThat(node(awaitCompleted(start(Specs.single(task("a", "debug")))), "a")
                        .lastConclusion())
                .isEqualTo(Conclusion.SUCCESS);
        assertThat(repository.listAgents()).extracting(Agent::id).containsExactly(pool.agentId());
    }

    @Test
    void nodesClaimedUnderAnEndedSubscriptionAreToldToStop() {
        var connection = new Unreliable(repository, 0, 0, 0);
        var started = new CountDownLatch(1);
        var blocker = Runtime.of("block", context -> {
            started.countDown();
            new CountDownLatch(1).await(); // until interrupted
            return Result.success("never");
        });
        // one worker, busy: the pool must notice the ended subscription anyway
        startPool(b -> b.repository(connection)
                .agentCount(1)
                .runtime(blocker)
                .unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
        var runId = start(Specs.single(task("x", "block")));
        await().atMost(DEADLINE).until(() -> started.getCount() == 0);

        connection.subscriptions.getFirst().close();

        // The memory backend kept the claim, so the stopped attempt is recorded as the ERROR it became.
        var attempt = node(awaitCompleted(runId), "x").attempts().getFirst();
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(attempt.outputText()).isEqualTo(AgentPool.LOST_REGISTRATION);
    }
}
