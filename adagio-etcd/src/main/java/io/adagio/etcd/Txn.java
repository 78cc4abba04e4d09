package io.adagio.etcd;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * One etcd transaction as plain values: the compares that guard it, the operations of its success
 * branch and the reads of its failure branch. The planners build these without any etcd client (so
 * they are tested on their own); {@link EtcdCalls} sends them. Reads are answered in the order they
 * were added, which is how callers find their answers ({@link Builder#then} returns the index).
 */
record Txn(List<Guard> guards, List<Op> then, List<Op> otherwise) {
    /** Room kept in a transaction for the stats shard and guard operations. */
    static final int RESERVE = 4;
    /** Bytes kept below etcd's default 1.5 MiB request limit. */
    static final int MAX_BYTES = 1024 * 1024;

    Txn {
        guards = List.copyOf(guards);
        then = List.copyOf(then);
        otherwise = List.copyOf(otherwise);
    }

    /** A compare. */
    sealed interface Guard {
        String key();
    }

    /** The key's mod revision is still {@code modRevision} (0: the key is still absent). */
    record Unchanged(String key, long modRevision) implements Guard {}

    /** The key does not exist. */
    record Absent(String key) implements Guard {}

    /** The key exists. */
    record Present(String key) implements Guard {}

    /** An operation of a branch. */
    sealed interface Op {
        String key();
    }

    /** Writes {@code value} under the key, attached to {@code lease} unless it is 0. */
    record Put(String key, ByteString value, long lease) implements Op {
        Put(String key, ByteString value) {
            this(key, value, 0);
        }
    }

    record Delete(String key) implements Op {}

    /** Deletes every key from {@code key} (inclusive) to {@code end} (exclusive). */
    record DeleteRange(String key, String end) implements Op {}

    /** Deletes every key under a prefix. */
    record DeletePrefix(String key) implements Op {}

    /** Reads the key's value. */
    record Get(String key) implements Op {}

    /** Counts the key (0 or 1) without its value. */
    record Count(String key) implements Op {}

    /** Counts the keys under a prefix without their values. */
    record CountPrefix(String key) implements Op {}

    /** Reads the keys under a prefix without their values. */
    record KeysWithPrefix(String key) implements Op {}

    /** Reads the keys under a prefix, in key order: at most {@code limit} of them (0: all). */
    record GetPrefix(String key, int limit) implements Op {
        GetPrefix(String key) {
            this(key, 0);
        }
    }

    /**
     * A whole transaction run as one operation of another's success branch: its guards are
     * evaluated when its turn comes, and it succeeds or fails on its own ({@link GroupCommit}).
     */
    record Nested(Txn txn) implements Op {
        @Override
        public String key() {
            return "";
        }
    }

    static boolean isRead(Op op) {
        return !(op instanceof Put
                || op instanceof Delete
                || op instanceof DeleteRange
                || op instanceof DeletePrefix
                || op instanceof Nested);
    }

    /** Collects a transaction; each read's position among its branch's reads is what it answers at. */
    static final class Builder {
        private final List<Guard> guards = new ArrayList<>();
        private final List<Op> then = new ArrayList<>();
        private final List<Op> otherwise = new ArrayList<>();
        private int thenReads;
        private int otherwiseReads;

        Builder guard(Guard guard) {
            guards.add(guard);
            return this;
        }

        Builder guards(List<? extends Guard> more) {
            guards.addAll(more);
            return this;
        }

        /** Adds an operation to the success branch; for a read, the index of its answer, else -1. */
        int then(Op op) {
            then.add(op);
            return isRead(op) ? thenReads++ : -1;
        }

        Builder thenAll(List<? extends Op> ops) {
            for (var op : ops) {
                then(op);
            }
            return this;
        }

        /** Adds a read to the failure branch; the index of its answer. */
        int otherwise(Op read) {
            if (!isRead(read)) {
                throw new IllegalArgumentException("the failure branch only reads: " + read);
            }
            otherwise.add(read);
            return otherwiseReads++;
        }

        int thenSize() {
            return then.size();
        }

        Txn build() {
            return new Txn(guards, then, otherwise);
        }
    }
}
