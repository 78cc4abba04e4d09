package io.adagio.etcd;

import io.adagio.core.model.Result;
import io.adagio.core.protocol.Transition;
import java.util.List;
import java.util.Locale;

/**
 * A finish whose writes cannot fit one etcd request (etcd refuses it, and would refuse it on every
 * retry, so the node would stay RUNNING for ever): it is recorded as an ERROR attempt whose output
 * says why, so that the node's retry rules apply and its run can complete. A success's output is
 * written into each downstream node's record too, so the size grows with the number of downstream
 * nodes.
 */
final class OversizeResult {
    /**
     * The largest sum of keys and values one finish writes: etcd's default {@code --max-request-bytes}
     * (1.5 MiB) less room for the transaction's compares, reads and framing.
     */
    static final long MAX_WRITE_BYTES = 1_572_864 - 64 * 1024;

    private OversizeResult() {}

    /** The bytes of keys and values the writes put. */
    static long bytes(List<Txn.Op> writes) {
        long total = 0;
        for (var op : writes) {
            total +=
                    op.key().length() + (op instanceof Txn.Put put ? put.value().size() : 0);
        }
        return total;
    }

    /** The same finish with an ERROR result that names the sizes and the limit. */
    static Transition.FinishNode asError(Transition.FinishNode finish, long writeBytes, int downstream) {
        String reason = "the result could not be recorded: its output of "
                + size(finish.result().output().length)
                + (downstream > 0 ? " (stored with a copy for each of " + downstream + " downstream nodes)" : "")
                + " makes a write of " + size(writeBytes) + ", which exceeds the backend's limit of "
                + size(MAX_WRITE_BYTES) + " (etcd's request size limit)";
        return new Transition.FinishNode(finish.node(), Result.error(reason), finish.claim(), finish.at());
    }

    private static String size(long bytes) {
        return bytes < 1024 * 1024
                ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
