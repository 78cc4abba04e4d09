package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdCluster;
import io.adagio.testkit.etcd.EtcdExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An etcd that fills up (its quota made tiny here): starts are refused with a message that says what
 * to do, the finish of work already running is refused only for now (a retryable error, which the
 * agent pool retries), and once an operator has made room (compaction, defragmentation, disarming
 * the alarm, deleting runs) the running work completes.
 */
class EtcdNoSpaceTest {
    private static final long QUOTA = 8L << 20;

    @RegisterExtension
    static final EtcdExtension ETCD =
            EtcdExtension.of(EtcdCluster.builder().extraFlags(List.of("--quota-backend-bytes=" + QUOTA)));

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("nospace", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    /** One node carrying 40 KB of metadata: each start, claim and finish rewrites that much. */
    private static GraphSpec heavy() {
        var spec = new NodeSpec("heavy", "debug", Map.of("payload", List.of("x".repeat(40_000))), Map.of());
        return new GraphSpec(List.of(spec), List.of());
    }

    private static Claim newClaim() {
        return new Claim(UUID.randomUUID().toString());
    }

    @Test
    void startsAreRefusedWhileRunningWorkWaitsAndCompletesOnceRoomIsMade() {
        var r = scope.closeLater(
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace)));
        var quota = r.housekeeping().quota(QUOTA);
        var running = r.startRun(graph(List.of(node("work")))).id();
        var claim = newClaim();
        assertThat(r.claimNode(running, "work", claim).claimed()).isTrue();

        var completed = new ArrayList<String>();
        RepositoryException.StorageFull full = null;
        for (int i = 0; i < 10_000 && full == null; i++) {
            try {
                var id = r.startRun(heavy()).id();
                var c = newClaim();
                if (r.claimNode(id, "heavy", c).claimed()) {
                    r.finishNode(id, "heavy", Result.success("ok"), c);
                    completed.add(id);
                }
            } catch (RepositoryException.StorageFull e) {
                full = e;
            }
        }
        assertThat(full).as("etcd filled up").isNotNull();
        assertThat(completed).hasSizeGreaterThan(10);

        assertThatThrownBy(() -> r.startRun(graph("a->b")))
                .isInstanceOf(RepositoryException.StorageFull.class)
                .hasMessageContaining("etcd's database is full")
                .hasMessageContaining("delete runs")
                .hasMessageContaining("defrag")
                .hasMessageContaining("alarm disarm")
                .hasMessageContaining("--quota-backend-bytes")
                .matches(e -> ((RepositoryException) e).retryable(), "retryable");
        assertThat(quota.read().full()).isTrue();
        assertThatThrownBy(() -> r.finishNode(running, "work", Result.success("done"), claim))
                .as("the finish of running work is refused for now, not for good")
                .isInstanceOf(RepositoryException.StorageFull.class)
                .matches(e -> ((RepositoryException) e).retryable(), "retryable");
        assertThat(r.inspectRun(running).node("work").orElseThrow().status()).isEqualTo(NodeStatus.RUNNING);

        // What docs/OPERATIONS.md tells the operator: compact, defragment, disarm, delete runs.
        scope.raw.compact(scope.raw.revision());
        scope.raw.defragment(ETCD.cluster().clientUrls());
        scope.raw.disarmAlarms();
        for (var id : completed) {
            r.deleteRun(id);
        }
        scope.raw.compact(scope.raw.revision());
        scope.raw.defragment(ETCD.cluster().clientUrls());

        var done = r.finishNode(running, "work", Result.success("done"), claim);
        assertThat(done.status()).isEqualTo(NodeStatus.COMPLETED);
        r.startRun(graph("a->b"));
        var usage = quota.read();
        assertThat(usage.full()).isFalse();
        assertThat(usage.fractionOfQuota()).isLessThan(0.8);
    }
}
