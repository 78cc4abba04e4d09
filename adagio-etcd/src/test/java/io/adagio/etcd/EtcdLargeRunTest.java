package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.graph.Limits;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.RunQuery;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import java.util.ArrayList;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs of 100,000 nodes start on an etcd with its default request limits (1.5 MiB a request, 128
 * operations a transaction): the start is split into requests etcd accepts, and a node whose record
 * alone would be over the limit is refused by name before anything is written.
 */
class EtcdLargeRunTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("large", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository() {
        return scope.closeLater(EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace).withLimits(Limits.DEFAULT)));
    }

    /** {@code layers} layers of {@code width} nodes, each node of a layer below the first fed by two of the layer above. */
    static GraphSpec layered(int layers, int width, long seed) {
        var random = new Random(seed);
        var nodes = new ArrayList<NodeSpec>(layers * width);
        var edges = new ArrayList<Edge>();
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < width; i++) {
                nodes.add(new NodeSpec("l" + l + "n" + i, "debug"));
                if (l > 0) {
                    int a = random.nextInt(width);
                    int b = (a + 1 + random.nextInt(width - 1)) % width;
                    edges.add(new Edge("l" + (l - 1) + "n" + a, "l" + l + "n" + i));
                    edges.add(new Edge("l" + (l - 1) + "n" + b, "l" + l + "n" + i));
                }
            }
        }
        return new GraphSpec(nodes, edges);
    }

    @Test
    void aLayeredRunOf100000NodesStartsAndIsReadBackWhole() {
        var r = repository();
        var spec = layered(100, 1_000, 17);
        var run = r.startRun(spec);

        var read = r.inspectRun(run.id());
        assertThat(read.nodes()).hasSize(100_000);
        assertThat(read.edges()).hasSize(spec.edges().size());
        assertThat(read.nodes().stream().filter(n -> n.status() == NodeStatus.READY))
                .hasSize(1_000);
        assertThat(read.node("l99n999").orElseThrow().status()).isEqualTo(NodeStatus.WAITING);
        assertThat(r.stats().nodeCounts().total()).isEqualTo(100_000);
    }

    /**
     * A node's record lists its downstream nodes, so one node feeding 100,000 is more than one etcd
     * request can carry: the start is refused, naming the node, before anything is written.
     */
    @Test
    void aNodeWhoseRecordAloneIsOverEtcdsRequestLimitIsRefusedByNameAndNothingIsWritten() {
        var r = repository();
        assertThatThrownBy(() -> r.startRun(EtcdBigAndConcurrentTest.fanOutFanIn(99_998)))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("node \"root\" has 99998 downstream nodes")
                .hasMessageContaining("more than etcd accepts in one request");
        assertThat(r.listRuns(RunQuery.ALL)).isEmpty();
        assertThat(r.stats().runCount()).isZero();
        assertThat(scope.raw.keys(scope.namespace + "/nodes/")).isEmpty();
    }
}
