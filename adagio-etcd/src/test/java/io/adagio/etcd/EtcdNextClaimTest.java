package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.conformance.Graphs;
import io.adagio.conformance.Inbox;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.NextClaim;
import io.adagio.testkit.etcd.EtcdExtension;
import io.grpc.ClientInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A finish's next claim on etcd: it hangs on the instance's lease, and never takes a wide fan-in. */
class EtcdNextClaimTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("next-claim", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository(ClientInterceptor... interceptors) {
        return scope.closeLater(EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints())
                        .withNamespace(scope.namespace)
                        .withHousekeepingPeriod(Duration.ofHours(1)),
                interceptors));
    }

    private static Claim newClaim() {
        return new Claim(UUID.randomUUID().toString());
    }

    private static NextClaim next() {
        return new NextClaim(newClaim(), Set.of(Graphs.RUNTIME));
    }

    /** An agent process that dies after its finish claimed the next node leaves that node orphaned, not stuck. */
    @Test
    void aNodeClaimedByAFinishIsOrphanedWhenTheClaimingProcessGoes() {
        var killable = scope.killable(ETCD.endpoints(), Duration.ofSeconds(2));
        var dying = killable.repository();
        var watcher = repository();
        var inbox = new Inbox(
                watcher.subscribe(new Agent("watcher", List.of(Graphs.RUNTIME)), EnumSet.allOf(Event.Type.class)),
                DEADLINE);
        var id = watcher.startRun(graph("a->b", "b->c")).id();
        var a = newClaim();
        assertThat(dying.claimNode(id, "a", a).claimed()).isTrue();
        var next = next();
        var b = dying.finishAndClaim(id, "a", Result.success("x"), a, next).next();
        assertThat(b.name()).isEqualTo("b");
        var claimKey = new Keys(scope.namespace).claim(id, "b");
        assertThat(scope.raw.leaseOf(claimKey)).as("lease of b's claim key").isNotZero();

        killable.kill(); // as SIGKILL would: no revoke, heartbeats just stop

        inbox.awaitOrphaned(id, "b");
        var recovery = watcher.claimNode(id, "b", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThat(recovery.orphanRecovery()).isTrue();
    }

    /**
     * A wide fan-in keeps its inputs apart and is promoted once they are all there: the finish that
     * hands it its last input does not claim it, and it is announced as usual.
     */
    @Test
    void aWideFanInIsAnnouncedNotClaimed() {
        var r = repository();
        var inbox = new Inbox(
                r.subscribe(new Agent("agent", List.of(Graphs.RUNTIME)), EnumSet.of(Event.Type.NODE_READY)), DEADLINE);
        int width = EtcdStorage.WIDE_FAN_IN + 1;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<String>();
        for (int i = 0; i < width; i++) {
            nodes.add(node("u" + i));
            edges.add("u" + i + "->fan");
        }
        nodes.add(node("fan"));
        var id = r.startRun(graph(nodes, edges.toArray(String[]::new))).id();
        for (int i = 0; i < width; i++) {
            var claim = newClaim();
            assertThat(r.claimNode(id, "u" + i, claim).claimed()).isTrue();
            assertThat(r.finishAndClaim(id, "u" + i, Result.success("v" + i), claim, next())
                            .next())
                    .isNull();
        }
        inbox.awaitReady(id, "fan");
        assertThat(r.inspectRun(id).node("fan").orElseThrow().status()).isEqualTo(NodeStatus.READY);
    }

    /**
     * A finish whose answer is lost, and whose commit reaches etcd only after the finish looked and
     * did not find it (a paused leader's queued proposal, say), still hands over the node it claimed:
     * that node is RUNNING under this instance's live lease, so nobody else would ever run it.
     */
    @Test
    void aFinishWhoseCommitAppliesAfterItsAnswerWasLostStillHandsOverItsNextClaim() {
        var late = new LostAnswer(LostAnswer.Applies.LATE);
        var r = repository(late);
        var id = r.startRun(graph("a->b", "b->c")).id();
        var a = newClaim();
        assertThat(r.claimNode(id, "a", a).claimed()).isTrue();
        late.arm(new Keys(scope.namespace).claim(id, "b"));
        var next = next();

        var finished = r.finishAndClaim(id, "a", Result.success("x"), a, next);

        assertThat(late.delivered).as("the lost commit was applied late").isTrue();
        assertThat(finished.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(finished.next()).as("the node the late commit claimed").isNotNull();
        assertThat(finished.next().name()).isEqualTo("b");
        var b = r.inspectRun(id).node("b").orElseThrow();
        assertThat(b.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(b.claim().id()).isEqualTo(next.claim().id());
        assertThat(r.finishNode(id, "b", Result.success("y"), next.claim()).status())
                .isEqualTo(NodeStatus.COMPLETED);
    }

    /** A claim whose commit applies after its answer was lost is a claim won, not a node left RUNNING. */
    @Test
    void aClaimWhoseCommitAppliesAfterItsAnswerWasLostIsWon() {
        var late = new LostAnswer(LostAnswer.Applies.LATE);
        var r = repository(late);
        var id = r.startRun(graph("a->b")).id();
        late.arm(new Keys(scope.namespace).claim(id, "a"));
        var a = newClaim();

        var claimed = r.claimNode(id, "a", a);

        assertThat(late.delivered).as("the lost commit was applied late").isTrue();
        assertThat(claimed.claimed()).isTrue();
        assertThat(r.finishNode(id, "a", Result.success("x"), a).status()).isEqualTo(NodeStatus.COMPLETED);
    }
}
