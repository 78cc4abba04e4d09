package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The parts that keep an installation healthy for the long haul: the election of the one process
 * that does housekeeping, compaction of etcd's history, and how full etcd is. This class has an etcd
 * of its own: compaction is for the whole cluster.
 */
class EtcdLongHaulTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private EtcdTestScope scope;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("longhaul", ETCD.endpoints());
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository() {
        return scope.closeLater(EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace).withLeaseTtl(TTL)));
    }

    @Test
    void exactlyOneProcessLeadsAndAnotherTakesOverWhenItStops() {
        var first = repository();
        var second = repository();
        var third = repository();
        assertThat(first.housekeeping().leadership().check()).isTrue();
        assertThat(second.housekeeping().leadership().check()).isFalse();
        assertThat(third.housekeeping().leadership().check()).isFalse();
        assertThat(first.housekeeping().leadership().check())
                .as("the leader keeps the lead")
                .isTrue();
        assertThat(first.housekeeping().leadership().leads()).isTrue();
        assertThat(second.housekeeping().leadership().leads()).isFalse();

        first.housekeeping().leadership().resign();
        assertThat(first.housekeeping().leadership().leads()).isFalse();
        assertThat(second.housekeeping().leadership().check()).isTrue();
        assertThat(third.housekeeping().leadership().check()).isFalse();
        assertThat(first.housekeeping().leadership().check()).isFalse();
    }

    @Test
    void aLeaderThatDiesIsReplacedOnceItsLeaseRunsOut() {
        var dying = scope.killable(ETCD.endpoints(), TTL);
        var survivor = repository();
        assertThat(dying.repository().housekeeping().leadership().check()).isTrue();
        assertThat(survivor.housekeeping().leadership().check()).isFalse();

        dying.kill();
        long killedAt = System.nanoTime();
        Awaitility.await()
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> survivor.housekeeping().leadership().check());
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt))
                .as("not before the dead leader's lease ran out")
                .isGreaterThanOrEqualTo(TTL.minusMillis(500));
        assertThat(dying.repository().housekeeping().leadership().leads()).isFalse();
    }

    @Test
    void theCompactorCompactsAtTheRevisionItSawOneIntervalEarlier() throws Exception {
        var r = repository();
        r.startRun(graph("x->y"));
        var compactor = r.housekeeping().compactor(Duration.ofMillis(300));
        long early = scope.raw.revision();
        assertThat(compactor.compactIfDue()).as("the first call only observes").isZero();
        r.startRun(graph("a->b"));
        var compacted = new long[1];
        Awaitility.await().atMost(DEADLINE).until(() -> (compacted[0] = compactor.compactIfDue()) > 0);
        assertThat(compacted[0]).isGreaterThanOrEqualTo(early).isLessThan(scope.raw.revision());

        var kv = scope.raw.client.getKVClient();
        var key = RawEtcd.b(scope.namespace + "/");
        var oldRead = kv.get(key, GetOption.builder().withRevision(early - 1).build());
        assertThatThrownBy(oldRead::get)
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("required revision has been compacted");
        // History since the revision it saw one interval earlier is kept.
        RawEtcd.get(kv.get(key, GetOption.builder().withRevision(compacted[0]).build()));
        assertThat(r.housekeeping().compactor(Duration.ZERO).compactIfDue())
                .as("interval 0: etcd compacts itself")
                .isZero();
    }

    @Test
    void etcdsSizeAndQuotaAreRead() {
        var r = repository();
        for (int i = 0; i < 20; i++) {
            r.startRun(graph("a->b", "b->c"));
        }
        var usage = r.housekeeping().quota(64L << 20).read();
        assertThat(usage.sizeBytes()).isPositive();
        assertThat(usage.inUseBytes()).isPositive().isLessThanOrEqualTo(usage.sizeBytes());
        assertThat(usage.quotaBytes()).isEqualTo(64L << 20);
        assertThat(usage.full()).isFalse();
        assertThat(usage.fractionOfQuota()).isBetween(0.0, 1.0);
    }

    @Test
    void aClosedRepositoryIsNotAskedAnything() {
        var r = repository();
        r.close();
        assertThatThrownBy(() -> r.housekeeping().leadership().check())
                .isInstanceOf(RepositoryException.Unavailable.class);
        assertThatThrownBy(() -> r.housekeeping().finishInterruptedDeletes())
                .isInstanceOf(RepositoryException.Unavailable.class);
    }
}
