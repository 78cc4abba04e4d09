package io.adagio.etcd;

import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Commits node transitions that wait at the same time in one etcd request (a group commit). etcd's
 * cost is per request far more than per operation: on this project's 2-core machine, 8 clients
 * committed 2,300 transactions of one key per second and 1,590 of eight keys, 5.5 times the keys.
 * So a transaction submitted while {@code maxInFlight} requests are in flight waits, and when one
 * of them answers, the waiting ones go together.
 *
 * <p>A group is one transaction whose success branch holds each member as a nested transaction
 * (etcd 3.3 and later), in order. etcd evaluates every guard of the request before it applies
 * anything, then runs each member's branch in order, so that each member succeeds or fails on its
 * own, with its own reads. That is what the members would mean one after the other as long as no
 * member's guards name a key an earlier member writes; such a member goes in another request, as
 * does one that writes a key an earlier member writes (etcd refuses those). Reads in a branch see
 * the writes of the members before, as they would one after the other. A member that deletes a
 * range of keys is always sent alone. See ARCHITECTURE.md, "The etcd backend".
 */
final class GroupCommit {
    /** What a committed (or refused) transaction answered, for one member of a group. */
    record Answer(boolean succeeded, long revision, List<GetResponse> reads) {
        static Answer of(TxnResponse r) {
            return new Answer(r.isSucceeded(), r.getHeader().getRevision(), r.getGetResponses());
        }
    }

    /**
     * Requests of one repository in flight before transitions wait to share one. Measured with
     * {@code bin/adagio-bench -only etcd} (8 agents, 2 cores): 1 and 2 gave the lowest ready-to-claim
     * latency; 4 let more requests through (1.34 per node on the chains against 0.85) and the
     * latency rose with them.
     */
    static final int IN_FLIGHT = 2;

    /** A member beyond this position in the queue is not looked at for the group being formed. */
    private static final int SCAN = 64;

    private final Function<Txn, CompletableFuture<TxnResponse>> sender;
    private final int maxInFlight;
    private final int maxOps;
    private final long maxBytes;
    private final ArrayDeque<Member> waiting = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param maxOps   the most operations one transaction may hold (etcd's {@code --max-txn-ops}).
     *                 etcd counts a nested transaction's operations against what its parent leaves:
     *                 a group of n members is refused when a member holds more than maxOps - n
     *                 guards or operations in a branch
     * @param maxBytes the most bytes of keys and values a group may carry (a member alone may carry more)
     */
    GroupCommit(Function<Txn, CompletableFuture<TxnResponse>> sender, int maxInFlight, int maxOps, long maxBytes) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.sender = sender;
        this.maxInFlight = maxInFlight;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
    }

    /** Commits {@code txn}, alone or in a group; the answer is its own either way. */
    CompletableFuture<Answer> submit(Txn txn) {
        var member = new Member(txn);
        boolean now;
        synchronized (this) {
            now = inFlight < maxInFlight;
            if (now) {
                inFlight++;
            } else {
                waiting.add(member);
            }
        }
        if (now) {
            send(List.of(member));
        }
        return member.answer;
    }

    /** How many transactions wait for a request to answer (for tests). */
    synchronized int waiting() {
        return waiting.size();
    }

    private void send(List<Member> group) {
        if (group.size() == 1) {
            var member = group.getFirst();
            sendAlone(member).whenComplete((r, e) -> flown());
            return;
        }
        var nested = new ArrayList<Txn.Op>(group.size());
        for (var m : group) {
            nested.add(new Txn.Nested(m.txn));
        }
        CompletableFuture<TxnResponse> sent;
        try {
            sent = sender.apply(new Txn(List.of(), nested, List.of()));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((r, e) -> {
            try {
                if (e != null && EtcdErrors.leaseGone(e)) {
                    // Refused before anything applied, for a claim whose lease ended: the others
                    // need not pay for it, so each goes again alone.
                    group.forEach(this::sendAlone);
                } else if (e != null) {
                    // Applied or not, the same for all: each member finds out as it would alone.
                    group.forEach(m -> m.answer.completeExceptionally(e));
                } else {
                    answerEach(group, r);
                }
            } catch (RuntimeException unexpected) {
                // An answer without one nested answer per member: none of them is left waiting.
                group.forEach(m -> m.answer.completeExceptionally(unexpected));
            } finally {
                flown();
            }
        });
    }

    private CompletableFuture<TxnResponse> sendAlone(Member member) {
        CompletableFuture<TxnResponse> sent;
        try {
            sent = sender.apply(member.txn);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.whenComplete((r, e) -> {
            if (e != null) {
                member.answer.completeExceptionally(e);
            } else {
                member.answer.complete(Answer.of(r));
            }
        });
    }

    /** Each member's answer is its nested transaction's; every write of the group has one revision. */
    private static void answerEach(List<Member> group, TxnResponse r) {
        var each = r.getTxnResponses();
        long revision = r.getHeader().getRevision();
        for (int i = 0; i < group.size(); i++) {
            var own = each.get(i);
            group.get(i).answer.complete(new Answer(own.isSucceeded(), revision, own.getGetResponses()));
        }
    }

    /**
     * A request answered: everything waiting goes now, in as few groups as its keys allow (a member
     * that guards or writes a key an earlier one writes goes in the next), or the flight ends.
     * So the limit holds while what waits can share a request, and nothing waits through more than
     * one request's round trip. This runs on the client's thread that delivered the answer: handing
     * it to a thread of its own was measured slower (the next group waited for that thread to be
     * scheduled on busy cores).
     */
    private void flown() {
        var next = new ArrayList<List<Member>>();
        synchronized (this) {
            for (var group = nextGroup(); !group.isEmpty(); group = nextGroup()) {
                next.add(group);
            }
            inFlight += next.size() - 1;
        }
        next.forEach(this::send);
    }

    /** The waiting members that go together next, oldest first; those left keep their order. */
    private List<Member> nextGroup() {
        var group = new ArrayList<Member>();
        var written = new HashSet<String>();
        long bytes = 0;
        int widest = 0;
        int scanned = 0;
        for (Iterator<Member> it = waiting.iterator(); it.hasNext() && scanned < SCAN; scanned++) {
            var m = it.next();
            if (m.answer.isDone()) {
                // Its caller gave up waiting (a timeout): nothing to send.
                it.remove();
                continue;
            }
            if (group.isEmpty()) {
                it.remove();
                group.add(m);
                if (!m.groupable) {
                    return group;
                }
                written.addAll(m.writes);
                bytes = m.bytes;
                widest = m.width;
                continue;
            }
            if (!m.groupable
                    || group.size() + 1 + Math.max(widest, m.width) > maxOps
                    || bytes + m.bytes > maxBytes
                    || overlaps(m.guarded, written)
                    || overlaps(m.writes, written)) {
                continue;
            }
            it.remove();
            group.add(m);
            written.addAll(m.writes);
            bytes += m.bytes;
            widest = Math.max(widest, m.width);
        }
        return group;
    }

    private static boolean overlaps(Set<String> keys, Set<String> written) {
        for (var k : keys) {
            if (written.contains(k)) {
                return true;
            }
        }
        return false;
    }

    /** A submitted transaction, with what grouping needs to know of it. */
    private static final class Member {
        final Txn txn;
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        final Set<String> guarded = new HashSet<>();
        final Set<String> writes = new HashSet<>();
        final long bytes;
        /** Its most guards or operations in one branch. */
        final int width;

        final boolean groupable;

        Member(Txn txn) {
            this.txn = txn;
            for (var g : txn.guards()) {
                guarded.add(g.key());
            }
            long b = 0;
            boolean single = true;
            for (var op : txn.then()) {
                b += op.key().length();
                switch (op) {
                    case Txn.Put p -> {
                        writes.add(p.key());
                        b += p.value().size();
                    }
                    case Txn.Delete d -> writes.add(d.key());
                    case Txn.DeleteRange d -> single = false;
                    case Txn.DeletePrefix d -> single = false;
                    case Txn.Nested n -> single = false;
                    default -> {
                        // a read: it writes nothing
                    }
                }
            }
            this.bytes = b;
            this.width = Math.max(
                    txn.guards().size(),
                    Math.max(txn.then().size(), txn.otherwise().size()));
            this.groupable = single;
        }
    }
}
