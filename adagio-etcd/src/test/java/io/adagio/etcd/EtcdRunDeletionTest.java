package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deleting runs on etcd, looked at from behind the repository: no key of a deleted run is left
 * anywhere in the namespace, a big run goes in transactions of bounded size, and a delete cut short
 * leaves nothing that looks alive and is finished by whoever finds it; a rerun that goes between
 * a delete's read and its commit keeps the run.
 */
class EtcdRunDeletionTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdTestScope scope;
    private String namespace;
    private RawEtcd raw;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("delete", ETCD.endpoints());
        namespace = scope.namespace;
        raw = scope.raw;
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository(ClientInterceptor... interceptors) {
        return scope.closeLater(
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace), interceptors));
    }

    /** Every key of the namespace that names the run. */
    private List<String> keysOf(String runId) {
        return raw.allKeys().stream()
                .filter(k -> k.startsWith(namespace + "/") && k.contains(runId))
                .toList();
    }

    private static void claimAndFinish(EtcdRepository r, String runId, String node, Result result) {
        var claim = new Claim(UUID.randomUUID().toString());
        assertThat(r.claimNode(runId, node, claim).claimed()).isTrue();
        r.finishNode(runId, node, result, claim);
    }

    /** Ten upstream nodes into one (a wide fan-in, whose inputs live under keys of their own); the tenth fails. */
    private static GraphSpec wideFanInThatFails() {
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        nodes.add(node("sink"));
        for (int i = 0; i < 10; i++) {
            nodes.add(node("up" + i));
            edges.add(new Edge("up" + i, "sink"));
        }
        return new GraphSpec(nodes, edges);
    }

    @Test
    void noKeyOfADeletedRunIsLeftInTheNamespace() {
        var r = repository();
        var other = r.startRun(graph("x->y")).id();
        var id = r.startRun(wideFanInThatFails()).id();
        for (int i = 0; i < 9; i++) {
            // Some outputs big enough to be stored apart, under keys of their own.
            claimAndFinish(r, id, "up" + i, Result.success(("out" + i).repeat(i % 2 == 0 ? 2000 : 1)));
        }
        claimAndFinish(r, id, "up9", Result.fail("no".repeat(1000)));
        assertThat(r.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(keysOf(id)).as("inputs delivered to the unreached fan-in").anyMatch(k -> k.contains("/inputs/"));
        assertThat(keysOf(id)).as("outputs stored apart").anyMatch(k -> k.contains("/outputs/"));
        var otherKeys = keysOf(other);

        r.deleteRun(id);

        assertThat(keysOf(id)).isEmpty();
        assertThat(keysOf(other)).isEqualTo(otherKeys);
        assertThat(r.stats().runCount()).isEqualTo(1);
        assertThat(r.stats().nodeCounts().total()).isEqualTo(2);
    }

    @Test
    void aBigRunIsDeletedInTransactionsOfBoundedSize() {
        var deletes = new DeletesPerTransaction();
        var r = repository(deletes);
        var id = r.startRun(EtcdBigAndConcurrentTest.fanOutFanIn(2500)).id();
        // The root fails: every other node is left unreached, in one (journaled) transition.
        claimAndFinish(r, id, "root", Result.fail("no"));
        assertThat(r.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(keysOf(id)).hasSizeGreaterThan(2500);
        deletes.counts.clear();

        r.deleteRun(id);

        assertThat(keysOf(id)).isEmpty();
        assertThat(r.stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
        assertThat(deletes.counts).as("keys deleted by each transaction").allMatch(n -> n <= 1000);
        assertThat(deletes.counts.stream().mapToLong(Long::longValue).sum()).isGreaterThan(2500);
        assertThat(deletes.counts).as("pages").hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void aDeleteCutShortLeavesNothingAliveAndIsFinishedByWhoeverFindsIt() {
        var crash = new CrashBeforePageDelete();
        var dying = repository(crash);
        var survivor = repository();
        var first = dying.startRun(EtcdBigAndConcurrentTest.fanOutFanIn(600)).id();
        var second = dying.startRun(EtcdBigAndConcurrentTest.fanOutFanIn(600)).id();
        for (var id : List.of(first, second)) {
            claimAndFinish(dying, id, "root", Result.fail("no"));
        }

        crash.armed.set(true);
        for (var id : List.of(first, second)) {
            assertThatThrownBy(() -> dying.deleteRun(id)).isInstanceOf(RepositoryException.Unavailable.class);
            // Gone for everyone from the first step on, though most of its keys are still there.
            assertThatThrownBy(() -> survivor.inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
            assertThat(keysOf(id)).hasSizeGreaterThan(600);
        }
        assertThat(survivor.listRuns(io.adagio.core.model.RunQuery.ALL)).isEmpty();
        assertThat(survivor.stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));

        // A delete of the same run finishes it; the housekeeping pass finishes any other.
        survivor.deleteRun(first);
        assertThat(keysOf(first)).isEmpty();
        assertThat(survivor.housekeeping().finishInterruptedDeletes()).isEqualTo(1);
        assertThat(keysOf(second)).isEmpty();
        assertThat(survivor.housekeeping().finishInterruptedDeletes()).isZero();
        assertThatThrownBy(() -> survivor.deleteRun(first)).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(survivor.stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
    }

    @Test
    void aDeleteDoesNotRemoveARunThatARerunMadeLiveAgainAfterTheDeleteReadIt() {
        var interleave = new JustBeforeTheDelete();
        var deleting = repository(interleave);
        var rerunning = repository();
        var id = deleting.startRun(graph("x->y")).id();
        claimAndFinish(deleting, id, "x", Result.fail("no"));
        assertThat(deleting.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);

        // The delete has read the run completed; before its transaction reaches etcd, a rerun of the
        // failed node (no cancelled mark to change) makes the run live again.
        interleave.action.set(() -> rerunning.rerunRun(id));
        assertThatThrownBy(() -> deleting.deleteRun(id)).isInstanceOf(RepositoryException.FailedPrecondition.class);

        assertThat(interleave.action.get()).as("the rerun went between").isNull();
        assertThat(rerunning.inspectRun(id).status()).isNotEqualTo(RunStatus.COMPLETED);
        claimAndFinish(rerunning, id, "x", Result.success("yes"));
        claimAndFinish(rerunning, id, "y", Result.success("done"));
        assertThat(rerunning.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(rerunning.stats().runCount()).isEqualTo(1);
    }

    /**
     * Runs an action once, just before the first transaction that deletes a run record (the delete's
     * guarded step) is sent: after the delete has read the run, before it commits.
     */
    static final class JustBeforeTheDelete extends TxnInterceptor {
        final java.util.concurrent.atomic.AtomicReference<Runnable> action =
                new java.util.concurrent.atomic.AtomicReference<>();

        @Override
        Cut beforeSending(TxnRequest t) {
            if (t.getCompareCount() > 0
                    && t.getSuccessList().stream()
                            .anyMatch(op -> op.hasRequestDeleteRange()
                                    && op.getRequestDeleteRange()
                                            .getKey()
                                            .toStringUtf8()
                                            .contains("/runs/"))) {
                var pending = action.getAndSet(null);
                if (pending != null) {
                    pending.run();
                }
            }
            return null;
        }
    }

    /** Records how many keys each transaction deleted (from etcd's answers). */
    static final class DeletesPerTransaction implements ClientInterceptor {
        final List<Long> counts = new CopyOnWriteArrayList<>();

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(
                            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                @Override
                                public void onMessage(R message) {
                                    if (message instanceof TxnResponse t) {
                                        long deleted = t.getResponsesList().stream()
                                                .filter(op -> op.hasResponseDeleteRange())
                                                .mapToLong(op -> op.getResponseDeleteRange()
                                                        .getDeleted())
                                                .sum();
                                        if (deleted > 0) {
                                            counts.add(deleted);
                                        }
                                    }
                                    super.onMessage(message);
                                }
                            },
                            headers);
                }
            };
        }
    }

    /**
     * Once armed, fails every transaction that deletes one page of a run's keys (a lone range delete)
     * before it reaches etcd, as if the process died right after the delete's first step.
     */
    static final class CrashBeforePageDelete extends TxnInterceptor {
        final AtomicBoolean armed = new AtomicBoolean();

        @Override
        Cut beforeSending(TxnRequest t) {
            return armed.get()
                            && t.getSuccessCount() == 1
                            && t.getSuccess(0).hasRequestDeleteRange()
                            && !t.getSuccess(0)
                                    .getRequestDeleteRange()
                                    .getRangeEnd()
                                    .isEmpty()
                    ? new Cut("simulated crash", Status.UNAVAILABLE.asRuntimeException())
                    : null;
        }
    }
}
