package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.conformance.Graphs;
import io.adagio.conformance.Inbox;
import io.adagio.conformance.TestClock;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import io.grpc.ClientInterceptor;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A claim of this process that nothing here holds any more (its hand-over to the agent failed after
 * the commit applied) would keep its node RUNNING for as long as the process lives: the sweeps
 * release it, and the node is orphaned and retried.
 */
class EtcdStrandedClaimTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("stranded", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private final TestClock clock = new TestClock();

    private EtcdRepository repository(ClientInterceptor... interceptors) {
        return scope.closeLater(EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints())
                        .withNamespace(scope.namespace)
                        .withHousekeepingPeriod(Duration.ofHours(1)),
                clock,
                interceptors));
    }

    /** Sweeps {@code n} times, the clock moving on past the age a stranded claim must have between two. */
    private void sweeps(EtcdRepository r, int n) {
        for (int i = 0; i < n; i++) {
            r.sweeper.sweep();
            clock.advance(StrandedClaims.MIN_AGE);
        }
    }

    private static Claim newClaim() {
        return new Claim(UUID.randomUUID().toString());
    }

    private static Inbox orphans(EtcdRepository r) {
        return new Inbox(
                r.subscribe(new Agent("watcher", List.of(Graphs.RUNTIME)), EnumSet.of(Event.Type.NODE_ORPHANED)),
                DEADLINE);
    }

    @Test
    void aClaimNothingHereHoldsIsReleasedOnceSeenSoForAWhileAndItsNodeOrphaned() {
        var r = repository();
        var inbox = orphans(r);
        var id = r.startRun(graph("a->b")).id();
        var claim = newClaim();
        assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();
        r.held.remove(id, "a", claim.id()); // as a hand-over that failed after the commit would leave it

        r.sweeper.sweep();
        r.sweeper.sweep();
        assertThat(r.inspectRun(id).node("a").orElseThrow().status())
                .as("after two sweeps in quick succession")
                .isEqualTo(NodeStatus.RUNNING);
        clock.advance(StrandedClaims.MIN_AGE);
        r.sweeper.sweep();

        inbox.awaitOrphaned(id, "a");
        var recovery = r.claimNode(id, "a", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThat(recovery.orphanRecovery()).isTrue();
    }

    @Test
    void aHeldClaimOutlivesAnyNumberOfSweeps() {
        var r = repository();
        var id = r.startRun(graph("a->b")).id();
        var claim = newClaim();
        assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();

        sweeps(r, 3);

        assertThat(r.finishNode(id, "a", Result.success("x"), claim).status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void anotherProcesssClaimIsLeftToIt() {
        var sweeping = repository();
        var other = repository();
        var id = other.startRun(graph("a->b")).id();
        var claim = newClaim();
        assertThat(other.claimNode(id, "a", claim).claimed()).isTrue();
        other.held.remove(id, "a", claim.id());

        sweeps(sweeping, 3);

        var a = sweeping.inspectRun(id).node("a").orElseThrow();
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.claim().id()).isEqualTo(claim.id());
    }

    /**
     * A finish whose commit applied, whose answer was lost and whose look for it failed too ends in
     * an error; the agent then finds the node that finish claimed for it and runs it (ResultRecorder).
     * Until it finishes, that claim is held here: the sweeps must not take it for a stranded one.
     */
    @Test
    void aNodeALostFinishClaimedIsLeftToTheAgentThatLooksForIt() {
        var lossy = new LostAnswer(LostAnswer.Applies.AT_ONCE_AND_THE_NEXT_READ_FAILS);
        var r = repository(lossy);
        var id = r.startRun(graph("a->b")).id();
        var a = newClaim();
        assertThat(r.claimNode(id, "a", a).claimed()).isTrue();
        lossy.arm(new Keys(scope.namespace).claim(id, "b"));
        var next = new NextClaim(newClaim(), Set.of(Graphs.RUNTIME));

        assertThatThrownBy(() -> r.finishAndClaim(id, "a", Result.success("x"), a, next))
                .isInstanceOf(RepositoryException.Unavailable.class);
        var b = r.inspectRun(id).node("b").orElseThrow();
        assertThat(b.status()).as("b, claimed by the lost finish").isEqualTo(NodeStatus.RUNNING);
        assertThat(b.claim().id()).isEqualTo(next.claim().id());

        sweeps(r, 3);

        assertThat(r.finishNode(id, "b", Result.success("y"), next.claim()).status())
                .isEqualTo(NodeStatus.COMPLETED);
    }
}
