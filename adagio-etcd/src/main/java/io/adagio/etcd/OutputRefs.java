package io.adagio.etcd;

import com.google.protobuf.InvalidProtocolBufferException;
import io.adagio.etcd.storage.OutputRef;
import java.util.Arrays;

/**
 * How the etcd backend holds outputs in the node states it reads and writes. A small output (up to
 * {@link #INLINE_BYTES}) is kept inline, in the records themselves; a bigger one is stored once
 * under {@code outputs/<run>/<node>/<attempt>} and every record that holds it (the node's own
 * attempt, each downstream node's input) holds a reference instead. In a node state decoded from
 * etcd, an output value is therefore either the value itself or a reference, told apart by
 * {@link #MAGIC}: an output that begins with it is stored apart whatever its size, so an inline
 * value never does.
 *
 * <p>The protocol copies output values without looking at them, so references travel through it
 * unchanged (an attempt's output into a downstream node's inputs, a rerun's inputs from upstream
 * attempts). The only values a step brings in are the outputs of the attempts it records and their
 * deliveries; the {@link TransitionPlanner} turns those into their stored form. Whatever leaves the
 * repository is resolved first ({@link OutputReader}).
 */
final class OutputRefs {
    /** Outputs up to this size are kept inline: a reference would cost a read for a few bytes saved. */
    static final int INLINE_BYTES = 1024;

    /** The first bytes of a reference (a NUL, "adagio-ref", a NUL): never those of an inline value. */
    private static final byte[] MAGIC = {0, 'a', 'd', 'a', 'g', 'i', 'o', '-', 'r', 'e', 'f', 0};

    private OutputRefs() {}

    /** Whether a value recorded now is stored apart rather than inline. */
    static boolean storedApart(byte[] output) {
        return output.length > INLINE_BYTES || isRef(output);
    }

    /** Whether a value in stored form is a reference. */
    static boolean isRef(byte[] value) {
        return value.length >= MAGIC.length && Arrays.equals(value, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** The reference to the output of {@code node}'s attempt {@code attempt}, of {@code size} bytes. */
    static byte[] ref(String node, int attempt, long size) {
        return ref(OutputRef.newBuilder()
                .setNode(node)
                .setAttempt(attempt)
                .setSize(size)
                .build());
    }

    static byte[] ref(OutputRef ref) {
        var body = ref.toByteArray();
        var out = Arrays.copyOf(MAGIC, MAGIC.length + body.length);
        System.arraycopy(body, 0, out, MAGIC.length, body.length);
        return out;
    }

    /** The reference a value holds. */
    static OutputRef parse(byte[] value) {
        if (!isRef(value)) {
            throw new IllegalArgumentException("not an output reference");
        }
        try {
            return OutputRef.parseFrom(Arrays.copyOfRange(value, MAGIC.length, value.length));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("a broken output reference", e);
        }
    }
}
