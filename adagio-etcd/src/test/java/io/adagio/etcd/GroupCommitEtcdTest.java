package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.kv.TxnResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Groups of transactions on a real etcd mean what their members mean one after the other (which
 * members may share a request is {@link GroupCommitTest}'s part).
 */
class GroupCommitEtcdTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdCalls calls;
    private String ns;

    @BeforeEach
    void connect() {
        var settings = EtcdSettings.of(ETCD.endpoints());
        calls = new EtcdCalls(EtcdClientFactory.connect(settings), settings);
        ns = "group-" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void close() {
        calls.client().close();
    }

    private static ByteString text(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private String value(String key) {
        var kvs = calls.get(ns + key).getKvs();
        return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(StandardCharsets.UTF_8);
    }

    /**
     * A group commit whose first request (a put of "first") waits for {@link #release}, so that
     * what is submitted meanwhile waits and then goes as one group.
     */
    private final class Held {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger requests = new AtomicInteger();
        final GroupCommit groups = new GroupCommit(this::send, 1, 128, Txn.MAX_BYTES);
        final CompletableFuture<GroupCommit.Answer> first;

        Held() {
            first = groups.submit(put("first", "1"));
        }

        void release() {
            gate.countDown();
        }

        private CompletableFuture<TxnResponse> send(Txn txn) {
            if (requests.getAndIncrement() == 0) {
                return CompletableFuture.runAsync(() -> {
                            try {
                                gate.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .thenCompose(x -> calls.send(txn));
            }
            return calls.send(txn);
        }
    }

    private Txn put(String key, String value) {
        return new Txn.Builder()
                .thenAll(List.of(new Txn.Put(ns + key, text(value))))
                .build();
    }

    @Test
    void eachMemberSucceedsOrFailsOnItsOwnAndReadsWhatTheOnesBeforeItWrote() throws Exception {
        var held = new Held();
        var groups = held.groups;
        var first = held.first;
        var wins = groups.submit(new Txn.Builder()
                .guard(new Txn.Absent(ns + "k"))
                .thenAll(List.of(new Txn.Put(ns + "k", text("winner"))))
                .build());
        // Its guard fails; its failure branch reads what the one before it wrote.
        var loses = new Txn.Builder()
                .guard(new Txn.Present(ns + "never-written"))
                .thenAll(List.of(new Txn.Put(ns + "other", text("loser"))));
        loses.otherwise(new Txn.Get(ns + "k"));
        var lost = groups.submit(loses.build());
        // A read in the success branch sees what the members before it wrote.
        var reader = new Txn.Builder().thenAll(List.of(new Txn.Put(ns + "r", text("x"))));
        reader.then(new Txn.Get(ns + "k"));
        var read = groups.submit(reader.build());
        assertThat(groups.waiting()).isEqualTo(3);

        held.release();

        assertThat(first.get().succeeded()).isTrue();
        assertThat(wins.get().succeeded()).isTrue();
        var loser = lost.get();
        assertThat(loser.succeeded()).isFalse();
        assertThat(loser.reads().getFirst().getKvs().getFirst().getValue().toString(StandardCharsets.UTF_8))
                .isEqualTo("winner");
        var reading = read.get();
        assertThat(reading.succeeded()).isTrue();
        assertThat(reading.reads().getFirst().getKvs().getFirst().getModRevision())
                .isEqualTo(wins.get().revision());
        assertThat(held.requests).hasValue(2);
        assertThat(value("first")).isEqualTo("1");
        assertThat(value("k")).isEqualTo("winner");
        assertThat(value("other")).isNull();
        assertThat(value("r")).isEqualTo("x");
    }

    /**
     * Each guards the absence of the key the other writes: one after the other, exactly one of them
     * succeeds. etcd evaluates every guard of a request before any write, so in one request both
     * would (a write skew); the second is sent apart.
     */
    @Test
    void twoThatEachGuardWhatTheOtherWritesNeverBothSucceed() throws Exception {
        var held = new Held();
        var groups = held.groups;
        var a = groups.submit(new Txn.Builder()
                .guard(new Txn.Absent(ns + "x"))
                .thenAll(List.of(new Txn.Put(ns + "y", text("a"))))
                .build());
        var b = groups.submit(new Txn.Builder()
                .guard(new Txn.Absent(ns + "y"))
                .thenAll(List.of(new Txn.Put(ns + "x", text("b"))))
                .build());

        held.release();

        assertThat(List.of(a.get().succeeded(), b.get().succeeded())).containsOnlyOnce(true);
        assertThat(held.requests).hasValue(3);
    }

    /**
     * etcd counts a nested transaction's operations against what its parent leaves (a group of n
     * is refused when a member has more than 128 - n operations): a wide finish and small claims
     * waiting together all commit.
     */
    @Test
    void aWideMemberWaitingWithSmallOnesIsNotRefused() throws Exception {
        var held = new Held();
        var groups = held.groups;
        var wide = new Txn.Builder();
        for (int i = 0; i < 120; i++) {
            wide.then(new Txn.Put(ns + "wide/" + i, text("w")));
        }
        var answers = new ArrayList<CompletableFuture<GroupCommit.Answer>>();
        answers.add(groups.submit(wide.build()));
        for (int i = 0; i < 10; i++) {
            answers.add(groups.submit(put("small/" + i, "s")));
        }

        held.release();

        for (var answer : answers) {
            assertThat(answer.get().succeeded()).isTrue();
        }
        assertThat(value("wide/119")).isEqualTo("w");
        assertThat(value("small/9")).isEqualTo("s");
    }

    /**
     * etcd refuses a whole request when one put names a lease that ended (a claim after a long
     * pause): the others commit all the same, and only the claim hears of its lease.
     */
    @Test
    void aClaimWhoseLeaseEndedDoesNotFailTheOthersWaitingWithIt() throws Exception {
        var lease = calls.client().getLeaseClient().grant(60).get().getID();
        calls.client().getLeaseClient().revoke(lease).get();
        var held = new Held();
        var groups = held.groups;
        var claim = groups.submit(new Txn.Builder()
                .thenAll(List.of(new Txn.Put(ns + "claim", text("c"), lease)))
                .build());
        var other = groups.submit(put("other", "o"));

        held.release();

        assertThat(other.get().succeeded()).isTrue();
        assertThatThrownBy(() -> calls.await(claim))
                .isInstanceOf(RepositoryException.Unavailable.class)
                .satisfies(e -> assertThat(EtcdErrors.leaseGone(e)).isTrue());
        assertThat(value("other")).isEqualTo("o");
        assertThat(value("claim")).isNull();
    }

    /**
     * A request that etcd never answers (the network holds it) fails after the request timeout,
     * whoever waits for it, so a group commit waits no longer for it than each member alone would,
     * and its place goes to the next request.
     */
    @Test
    void aRequestThatIsNeverAnsweredFailsAfterTheRequestTimeoutNamingIt() throws Exception {
        try (var proxy = new TcpProxy(ETCD.endpoints())) {
            var timeout = Duration.ofMillis(500);
            var settings = EtcdSettings.of(proxy.url()).withRequestTimeout(timeout);
            var stalled = new EtcdCalls(EtcdClientFactory.connect(settings), settings);
            try {
                var put = put("k", "v");
                stalled.commit(put); // connected before the network stalls
                proxy.stall();
                var groups = new GroupCommit(stalled::sendWithin, 1, 128, Txn.MAX_BYTES);
                var hung = groups.submit(put);
                var next = groups.submit(put);
                assertThat(groups.waiting()).isEqualTo(1);

                assertThatThrownBy(() -> stalled.await(hung))
                        .isInstanceOf(RepositoryException.Unavailable.class)
                        .hasMessageContaining("did not answer within " + timeout);
                await().atMost(Duration.ofSeconds(10)).until(() -> groups.waiting() == 0);
                proxy.resume();
                assertThat(stalled.await(next).succeeded()).isTrue();
            } finally {
                stalled.client().close();
            }
        }
    }

    /**
     * Threads increment counters by compare-and-put through one group commit, retrying on conflict:
     * some their own counter (grouped together), some one shared counter (every such write goes in
     * a request of its own). No increment is lost or applied twice.
     */
    @Test
    void concurrentCompareAndPutsThroughGroupsLoseNoUpdate() throws Exception {
        var groups = new GroupCommit(calls::send, GroupCommit.IN_FLIGHT, 128, Txn.MAX_BYTES);
        int threads = 8;
        int increments = 60;
        var start = new CountDownLatch(1);
        var workers = new ArrayList<Thread>();
        var failures = new ArrayList<Throwable>();
        for (int t = 0; t < threads; t++) {
            var key = ns + (t % 2 == 0 ? "shared" : "own-" + t);
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < increments; i++) {
                        increment(groups, key);
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        start.countDown();
        for (var w : workers) {
            w.join();
        }
        assertThat(failures).isEmpty();
        assertThat(value("shared")).isEqualTo(Integer.toString(threads / 2 * increments));
        for (int t = 1; t < threads; t += 2) {
            assertThat(value("own-" + t)).isEqualTo(Integer.toString(increments));
        }
    }

    private void increment(GroupCommit groups, String key) throws Exception {
        var kvs = calls.get(key).getKvs();
        long revision = kvs.isEmpty() ? 0 : kvs.getFirst().getModRevision();
        int value =
                kvs.isEmpty() ? 0 : Integer.parseInt(kvs.getFirst().getValue().toString(StandardCharsets.UTF_8));
        while (true) {
            var txn = new Txn.Builder()
                    .guard(new Txn.Unchanged(key, revision))
                    .thenAll(List.of(new Txn.Put(key, text(Integer.toString(value + 1)))));
            txn.otherwise(new Txn.Get(key));
            var answer = groups.submit(txn.build()).get();
            if (answer.succeeded()) {
                return;
            }
            var now = answer.reads().getFirst().getKvs().getFirst();
            revision = now.getModRevision();
            value = Integer.parseInt(now.getValue().toString(StandardCharsets.UTF_8));
        }
    }
}
