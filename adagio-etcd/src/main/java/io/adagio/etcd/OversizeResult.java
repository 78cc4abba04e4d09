package io.adagio.etcd;

import io.adagio.core.model.Result;
import io.adagio.core.protocol.Transition;
import java.util.List;
import java.util.Locale;

/**
 * A result that etcd cannot record (it would refuse the write now and on every retry, so the node
 * would stay RUNNING for ever): it is recorded as an ERROR attempt whose output says why, so that
 * the node's retry rules apply and its run can complete. An output is stored once, whatever the
 * number of downstream nodes ({@link OutputRefs}), so the limit is on one value.
 */
final class OversizeResult {
    /**
     * The largest output recorded: one value, which one etcd request must carry beside its key and
     * the rest of the finish (etcd's default {@code --max-request-bytes} is 1.5 MiB).
     */
    static final int MAX_OUTPUT_BYTES = 1024 * 1024;

    /**
     * The most bytes of keys and values one transaction writes: etcd's default
     * {@code --max-request-bytes} (1.5 MiB) less room for the transaction's compares, reads and
     * framing. A finish that writes more goes through the run's journal, in chunks; a single value
     * over it (a record grown too big) cannot be written at all.
     */
    static final long MAX_WRITE_BYTES = 1_572_864 - 64 * 1024;

    private OversizeResult() {}

    /** The bytes of keys and values the writes put. */
    static long bytes(List<Txn.Op> writes) {
        long total = 0;
        for (var op : writes) {
            total += size(op);
        }
        return total;
    }

    /** The bytes of the biggest single write (key and value). */
    static long biggest(List<Txn.Op> writes) {
        long most = 0;
        for (var op : writes) {
            most = Math.max(most, size(op));
        }
        return most;
    }

    private static long size(Txn.Op op) {
        return op.key().length() + (op instanceof Txn.Put put ? put.value().size() : 0);
    }

    /** The same finish with an ERROR result: its output is over {@link #MAX_OUTPUT_BYTES}. */
    static Transition.FinishNode asError(Transition.FinishNode finish) {
        return error(
                finish,
                "the result could not be recorded: output of "
                        + size(finish.result().output().length)
                        + " exceeds the backend's limit of " + size(MAX_OUTPUT_BYTES)
                        + " for one output (etcd's request size limit)");
    }

    /** The same finish with an ERROR result: recording it makes a record of {@code recordBytes}. */
    static Transition.FinishNode asError(Transition.FinishNode finish, long recordBytes) {
        return error(
                finish,
                "the result could not be recorded: the node's record would be " + size(recordBytes)
                        + ", which exceeds the backend's limit of " + size(MAX_WRITE_BYTES)
                        + " for one value (etcd's request size limit)");
    }

    private static Transition.FinishNode error(Transition.FinishNode finish, String reason) {
        return new Transition.FinishNode(finish.node(), Result.error(reason), finish.claim(), finish.at());
    }

    static String size(long bytes) {
        return bytes < 1024 * 1024
                ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
