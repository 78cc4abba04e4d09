package io.adagio.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.RepositoryException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An event that comes before its node can be claimed: etcd announces the roots of a run too big for
 * one transaction before the run's record makes them claimable, and a claim in between is refused as
 * not ready. Taken as a stale hint and dropped, the node stayed READY for good (a 100,000-node run of
 * the bench stopped at 968 of its 1,000 roots).
 */
class EarlyEventTest extends PoolFixture {

    @Test
    void aNodeAnnouncedBeforeItIsClaimableIsClaimedOnceItIs() {
        var runId = start(Specs.single(Specs.task("x", "debug")));
        // The repository refuses the first claims as a starting etcd run would.
        var starting = new ForwardingRepository(repository) {
            final AtomicInteger refusals = new AtomicInteger(3);

            @Override
            public ClaimResult claimNode(String run, String nodeName, Claim claim) {
                if (refusals.getAndDecrement() > 0) {
                    throw new RepositoryException.NotReady(run, nodeName);
                }
                return inner.claimNode(run, nodeName, claim);
            }
        };
        startPool(b -> b.repository(starting).agentCount(1));

        var x = node(awaitCompleted(runId), "x");

        assertThat(starting.refusals.get()).as("every refusal was met").isNegative();
        assertThat(x.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
    }
}
