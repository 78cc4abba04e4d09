package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.kv.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Grouping without etcd: a sender that records each request and answers when told. What etcd does
 * with a group is checked against a real one in {@link GroupCommitEtcdTest}.
 */
class GroupCommitTest {
    /** The requests sent, each with the future that answers it. */
    private final List<Txn> sent = new ArrayList<>();

    private final List<CompletableFuture<TxnResponse>> answers = new ArrayList<>();

    private CompletableFuture<TxnResponse> send(Txn txn) {
        var answer = new CompletableFuture<TxnResponse>();
        synchronized (this) {
            sent.add(txn);
            answers.add(answer);
        }
        return answer;
    }

    private GroupCommit groups(int inFlight) {
        return new GroupCommit(this::send, inFlight, 128, Txn.MAX_BYTES);
    }

    private static Txn put(String key, String guarded) {
        return new Txn.Builder()
                .guard(new Txn.Unchanged(guarded, 7))
                .thenAll(List.of(new Txn.Put(key, ByteString.copyFromUtf8("v"))))
                .build();
    }

    private static Txn putAndRead(String key, String read) {
        var b = new Txn.Builder().thenAll(List.of(new Txn.Put(key, ByteString.copyFromUtf8("v"))));
        b.then(new Txn.Get(read));
        return b.build();
    }

    private static ResponseOp read(String key, long version) {
        var kv = KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setVersion(version)
                .build();
        return ResponseOp.newBuilder()
                .setResponseRange(RangeResponse.newBuilder().addKvs(kv).setCount(1))
                .build();
    }

    private static io.etcd.jetcd.api.TxnResponse.Builder txn(boolean succeeded, ResponseOp... responses) {
        var b = io.etcd.jetcd.api.TxnResponse.newBuilder().setSucceeded(succeeded);
        for (var r : responses) {
            b.addResponses(r);
        }
        return b;
    }

    private static TxnResponse answer(long revision, io.etcd.jetcd.api.TxnResponse.Builder txn) {
        return new TxnResponse(
                txn.setHeader(ResponseHeader.newBuilder().setRevision(revision)).build(), ByteSequence.EMPTY);
    }

    private static ResponseOp nested(io.etcd.jetcd.api.TxnResponse.Builder txn) {
        return ResponseOp.newBuilder().setResponseTxn(txn).build();
    }

    @Test
    void aTransactionAloneGoesAtOnceAsItIs() throws Exception {
        var groups = groups(2);
        var txn = putAndRead("a", "b");
        var answer = groups.submit(txn);

        assertThat(sent).containsExactly(txn);
        answers.getFirst().complete(answer(41, txn(true, read("b", 3))));
        var got = answer.get();
        assertThat(got.succeeded()).isTrue();
        assertThat(got.revision()).isEqualTo(41);
        assertThat(got.reads())
                .singleElement()
                .satisfies(r -> assertThat(r.getKvs().getFirst().getVersion()).isEqualTo(3));
    }

    @Test
    void transactionsThatWaitGoTogetherAsNestedOnesEachAnsweredByItsOwn() throws Exception {
        var groups = groups(1);
        var first = groups.submit(put("x", "x"));
        var a = groups.submit(putAndRead("a", "r"));
        var b = groups.submit(put("b", "b"));
        var c = groups.submit(putAndRead("c", "r"));
        assertThat(sent).hasSize(1);
        assertThat(groups.waiting()).isEqualTo(3);

        answers.getFirst().complete(answer(10, txn(true)));
        assertThat(first.get().succeeded()).isTrue();
        assertThat(sent).hasSize(2);
        var group = sent.get(1);
        assertThat(group.guards()).isEmpty();
        assertThat(group.then())
                .extracting(op -> ((Txn.Nested) op).txn().then().getFirst().key())
                .containsExactly("a", "b", "c");

        // b's guard failed; a and c read r after their own writes.
        answers.get(1)
                .complete(answer(
                        11,
                        txn(
                                true,
                                nested(txn(true, read("r", 1))),
                                nested(txn(false)),
                                nested(txn(true, read("r", 2))))));
        assertThat(a.get()).satisfies(x -> {
            assertThat(x.succeeded()).isTrue();
            assertThat(x.revision()).isEqualTo(11);
            assertThat(x.reads().getFirst().getKvs().getFirst().getVersion()).isEqualTo(1);
        });
        assertThat(b.get().succeeded()).isFalse();
        assertThat(c.get().reads().getFirst().getKvs().getFirst().getVersion()).isEqualTo(2);
        assertThat(groups.waiting()).isZero();
    }

    @Test
    void aTransactionWritingAKeyAnEarlierOneWritesGoesInAnotherRequestAtTheSameTime() {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        groups.submit(put("tally", "a"));
        groups.submit(put("tally", "b"));
        groups.submit(put("other", "c"));

        answers.getFirst().complete(answer(10, txn(true)));

        // etcd refuses one request in which two nested transactions write the same key.
        assertThat(sent).hasSize(3);
        assertThat(((Txn.Nested) sent.get(1).then().get(0))
                        .txn()
                        .guards()
                        .getFirst()
                        .key())
                .isEqualTo("a");
        assertThat(((Txn.Nested) sent.get(1).then().get(1))
                        .txn()
                        .guards()
                        .getFirst()
                        .key())
                .isEqualTo("c");
        assertThat(sent.get(2)).isEqualTo(put("tally", "b"));
    }

    @Test
    void aTransactionGuardingAKeyAnEarlierOneWritesGoesInAnotherRequest() {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        groups.submit(put("node", "a"));
        var guardsNode = put("other", "node");
        groups.submit(guardsNode);

        answers.getFirst().complete(answer(10, txn(true)));

        // etcd evaluates every guard of a request before it writes anything: in one request, this
        // guard would not see the write before it.
        assertThat(sent).containsExactly(put("x", "x"), put("node", "a"), guardsNode);
    }

    @Test
    void aTransactionThatDeletesARangeGoesAlone() {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        var range = new Txn.Builder()
                .thenAll(List.of(new Txn.DeletePrefix("runs/")))
                .build();
        groups.submit(range);
        groups.submit(put("a", "a"));

        answers.getFirst().complete(answer(10, txn(true)));

        assertThat(sent).containsExactly(put("x", "x"), range, put("a", "a"));
    }

    @Test
    void aFailedRequestFailsEveryMemberWithItsCause() {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        var a = groups.submit(put("a", "a"));
        var b = groups.submit(put("b", "b"));
        answers.getFirst().complete(answer(10, txn(true)));

        var down = new IllegalStateException("connection lost");
        answers.get(1).completeExceptionally(down);

        for (var member : List.of(a, b)) {
            assertThatThrownBy(member::get)
                    .isInstanceOf(ExecutionException.class)
                    .hasCause(down);
        }
        // The failed request's place is free again: the next one goes at once.
        groups.submit(put("c", "c"));
        assertThat(sent).hasSize(3);
    }

    @Test
    void aGroupRefusedForOneClaimsEndedLeaseIsSentAgainOneByOne() throws Exception {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        var claim = groups.submit(put("claim", "claim"));
        var other = groups.submit(put("other", "other"));
        answers.getFirst().complete(answer(10, txn(true)));

        // etcd refuses the whole request before it applies anything.
        answers.get(1).completeExceptionally(new IllegalStateException("etcdserver: requested lease not found"));

        assertThat(sent.subList(2, sent.size())).containsExactly(put("claim", "claim"), put("other", "other"));
        answers.get(2).completeExceptionally(new IllegalStateException("etcdserver: requested lease not found"));
        answers.get(3).complete(answer(12, txn(true)));
        assertThatThrownBy(claim::get).hasMessageContaining("lease not found");
        assertThat(other.get().succeeded()).isTrue();
    }

    @Test
    void aTransactionWhoseCallerGaveUpIsNotSent() {
        var groups = groups(1);
        groups.submit(put("x", "x"));
        var gaveUp = groups.submit(put("a", "a"));
        groups.submit(put("b", "b"));
        gaveUp.cancel(true);

        answers.getFirst().complete(answer(10, txn(true)));

        assertThat(sent).containsExactly(put("x", "x"), put("b", "b"));
    }

    /** etcd counts a nested transaction's operations against what its parent leaves. */
    @Test
    void aGroupsSizeAndItsWidestMemberFitOneTransactionsOperations() {
        var groups = new GroupCommit(this::send, 1, 8, Txn.MAX_BYTES);
        groups.submit(put("x", "x"));
        for (int i = 0; i < 7; i++) {
            groups.submit(put("k" + i, "k" + i));
        }
        var wide = new Txn.Builder();
        for (int i = 0; i < 6; i++) {
            wide.then(new Txn.Put("w" + i, ByteString.copyFromUtf8("v")));
        }
        groups.submit(wide.build());
        groups.submit(put("k7", "k7"));

        answers.getFirst().complete(answer(10, txn(true)));

        // Members of one operation each: 7 of them fit (7 + 1 <= 8); the one of 6 beside one other.
        assertThat(sent.subList(1, sent.size()))
                .extracting(t -> t.then().size())
                .containsExactly(7, 2);
        assertThat(((Txn.Nested) sent.get(2).then().get(0)).txn().then()).hasSize(6);
    }

    @Test
    void theRequestsInFlightAreBoundedWhileWhatWaitsCanShareOne() {
        var groups = groups(2);
        groups.submit(put("x", "x"));
        groups.submit(put("y", "y"));
        for (int i = 0; i < 5; i++) {
            groups.submit(put("k" + i, "k" + i));
        }
        assertThat(sent).hasSize(2);

        answers.getFirst().complete(answer(10, txn(true)));
        assertThat(sent).hasSize(3);
        assertThat(sent.get(2).then()).hasSize(5);

        answers.get(1).complete(answer(11, txn(true)));
        assertThat(sent).hasSize(3);
        groups.submit(put("z", "z"));
        assertThat(sent).hasSize(4);
    }
}
