package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.testkit.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cancel and rerun as etcd stores them: the keys they leave, runs too big for one etcd value, stale copies. */
class EtcdRunControlTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("control", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository() {
        return scope.closeLater(
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace)));
    }

    /** A root and {@code width} children of it, each carrying {@code metadataBytes} of metadata. */
    private static GraphSpec fatFanOut(int width, int metadataBytes) {
        var fat = Map.of("adagio.arguments.debug.note", List.of("x".repeat(metadataBytes)));
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        nodes.add(new NodeSpec("root", "debug", fat, Map.of()));
        for (int i = 0; i < width; i++) {
            nodes.add(new NodeSpec("n" + i, "debug", fat, Map.of()));
            edges.add(new Edge("root", "n" + i));
        }
        return new GraphSpec(nodes, edges);
    }

    @Test
    void aCancelAndARerunWritingMoreThanOneEtcdValueHoldsApplyInParts() {
        var r = repository();
        int width = 1500;
        var id = r.startRun(fatFanOut(width, 1000)).id();

        var cancelled = r.cancelRun(id);
        assertThat(cancelled.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(cancelled.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(cancelled.nodes()).allSatisfy(n -> assertThat(n.conclusion()).isEqualTo(Conclusion.CANCELLED));
        assertThat(scope.raw.keys(scope.namespace + "/journal"))
                .as("journal and its parts")
                .isEmpty();
        assertThat(r.stats()).isEqualTo(new Stats(1, new Stats.NodeCounts(0, 0, 0, width + 1, 0)));

        var rerun = r.rerunRun(id);
        assertThat(rerun.status()).isEqualTo(RunStatus.WAITING);
        assertThat(rerun.node("root").orElseThrow().status()).isEqualTo(NodeStatus.READY);
        assertThat(scope.raw.keys(scope.namespace + "/journal")).isEmpty();
        assertThat(r.stats().nodeCounts()).isEqualTo(new Stats.NodeCounts(width, 1, 0, 0, 0));

        // Its root's success makes every child READY: a finish as big, through the same parts.
        var claim = new Claim("c-root");
        assertThat(r.claimNode(id, "root", claim).claimed()).isTrue();
        r.finishNode(id, "root", Result.success("out"), claim);
        assertThat(r.stats().nodeCounts()).isEqualTo(new Stats.NodeCounts(0, width, 0, 1, 0));
        assertThat(scope.raw.keys(scope.namespace + "/journal")).isEmpty();
        assertThat(r.inspectRun(id).node("n" + (width - 1)).orElseThrow().inputs())
                .containsOnlyKeys("root");
    }

    /** A process that heard of a node before the cancel (partitioned, say) claims it with its stale copy: it loses. */
    @Test
    void aClaimMadeWithACopyOlderThanTheCancelLoses() throws InterruptedException {
        var agent = repository();
        var api = repository();
        var subscription = scope.closeLater(
                agent.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY)));
        var id = api.startRun(new GraphSpec(List.of(new NodeSpec("a", "debug")), List.of()))
                .id();
        assertThat(subscription.poll(Duration.ofSeconds(30)))
                .hasValueSatisfying(e -> assertThat(e.node().name()).isEqualTo("a"));

        api.cancelRun(id);
        var late = agent.claimNode(id, "a", new Claim("late"));
        assertThat(late.claimed()).isFalse();
        assertThat(late.node().conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(api.inspectRun(id).node("a").orElseThrow().attempts()).isEmpty();
    }

    @Test
    void theCancelEntryOfARunningNodeLastsUntilTheNodeCompletes() {
        var r = repository();
        var id = r.startRun(new GraphSpec(List.of(new NodeSpec("a", "debug")), List.of()))
                .id();
        var claim = Claim.byAgent("c-a", "agent-1");
        assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();
        assertThat(scope.raw.keys(scope.namespace + "/cancels/")).isEmpty();
        r.cancelRun(id);
        assertThat(scope.raw.keys(scope.namespace + "/cancels/"))
                .containsExactly(scope.namespace + "/cancels/" + id + "/a");
        r.finishNode(id, "a", Result.cancelled("stopped"), claim);
        assertThat(scope.raw.keys(scope.namespace + "/cancels/")).isEmpty();
        assertThat(scope.raw.keys(scope.namespace + "/held/")).isEmpty();
        var a = r.inspectRun(id).node("a").orElseThrow();
        assertThat(a.attempts()).singleElement().satisfies(attempt -> {
            assertThat(attempt.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(attempt.agentId()).isEqualTo("agent-1");
        });
    }
}
