package io.adagio.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.CancelEntry;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.etcd.storage.Input;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;

/** Encodes and decodes the stored records (storage.proto), checking their storage format. */
final class EtcdStorage {
    /**
     * The storage format this release writes, and the only one it reads. Every record carries it; a
     * record with another (a later release's, or none at all) is refused with
     * {@link RepositoryException.StorageFormat} rather than misread.
     */
    static final int FORMAT = 1;

    /**
     * Nodes with more upstream nodes than this receive their inputs as per-edge keys instead of in
     * their record: a record rewritten by each upstream's finish would grow with the fan-in
     * (quadratic bytes) and serialise every finish on it. Below it, one guarded record rewrite is
     * cheaper than counting keys, and its contention is bounded by the fan-in.
     */
    static final int WIDE_FAN_IN = 8;

    /**
     * Records up to this size ride along in index entries (IndexEntry.record) so a claim need not read
     * them; a bigger one (a wide fan-in node with all its inputs) would double a large write.
     */
    static final int MAX_HINT_BYTES = 16 * 1024;

    private EtcdStorage() {}

    static ByteSequence encode(Message m) {
        return ByteSequence.from(m.toByteString());
    }

    interface Parser<T> {
        T parse(ByteString bytes) throws InvalidProtocolBufferException;
    }

    /**
     * @throws RepositoryException.StorageFormat when the value is not a record of this kind, or is
     *                                           one of another storage format; the message names the key
     */
    static <T extends Message> T decode(ByteString value, Parser<T> parser, String key) {
        T m;
        try {
            m = parser.parse(value);
        } catch (InvalidProtocolBufferException e) {
            throw new RepositoryException.StorageFormat(
                    "etcd key " + key + " does not hold an Adagio record (" + e.getMessage() + ")", e);
        }
        var format = m.getField(m.getDescriptorForType().findFieldByName("format"));
        if (!(format instanceof Integer f) || f != FORMAT) {
            int f = format instanceof Integer i ? i : 0;
            throw new RepositoryException.StorageFormat(
                    f > FORMAT
                            ? "etcd key " + key + " was written in storage format " + f
                                    + " by a newer Adagio; this release reads format " + FORMAT + ": upgrade it"
                            : "etcd key " + key + " holds a record of unknown storage format " + f
                                    + "; this release reads format " + FORMAT);
        }
        return m;
    }

    static <T extends Message> T decode(ByteSequence value, Parser<T> parser, String key) {
        // getBytes() is a copy of its own: wrapping it spares a second one.
        return decode(UnsafeByteOperations.unsafeWrap(value.getBytes()), parser, key);
    }

    static <T extends Message> T decode(KeyValue kv, Parser<T> parser) {
        return decode(kv.getValue(), parser, Keys.text(kv.getKey()));
    }

    static StoredNode node(KeyValue kv) {
        return StoredNode.of(decode(kv, NodeRecord::parseFrom), kv.getModRevision());
    }

    static boolean wideFanIn(NodeRecord r) {
        return r.getUpstreamCount() > WIDE_FAN_IN;
    }

    /** The record with {@code state} in place of the stored state; spec and graph parts are kept. */
    static NodeRecord withState(NodeRecord base, NodeState state, String writeId) {
        return withState(base, state, writeId, false);
    }

    /**
     * @param inputsApart leave the state's inputs out of the record (a wide fan-in node set WAITING
     *                    again by a rerun keeps them under per-edge keys, as deliveries do)
     */
    static NodeRecord withState(NodeRecord base, NodeState state, String writeId, boolean inputsApart) {
        var b = base.toBuilder()
                .setFormat(FORMAT)
                .setStatus(WireMapping.toProto(state.status()))
                .clearAttempts()
                .clearOutputsApart()
                .clearStartedAtNs()
                .clearFinishedAtNs()
                .clearInputs()
                .clearClaim()
                .setWaitingOn(state.waitingOn())
                .setOrphanRecovery(state.orphanRecovery())
                .setConclusion(WireMapping.toProto(state.conclusion()))
                .clearNotBeforeNs()
                .setCancelRequested(state.cancelRequested())
                .setGeneration(state.generation())
                .clearLostClaim()
                .setLastWrite(writeId);
        var name = base.getSpec().getName();
        for (int i = 0; i < state.attempts().size(); i++) {
            var attempt = state.attempts().get(i);
            byte[] output = attempt.output();
            if (!OutputRefs.isRef(output)) {
                checkInline(output);
                b.addAttempts(WireMapping.toProto(attempt));
                continue;
            }
            var ref = OutputRefs.parse(output);
            if (!ref.getNode().equals(name) || ref.getAttempt() != i) {
                throw new IllegalStateException("attempt " + i + " of node " + name + " refers to the output of "
                        + ref.getNode() + "'s attempt " + ref.getAttempt());
            }
            b.addAttempts(WireMapping.toProto(attempt).toBuilder().clearOutput());
            b.putOutputsApart(i, ref.getSize());
        }
        if (state.startedAt() != null) {
            b.setStartedAtNs(Timestamps.toNanos(state.startedAt()));
        }
        if (state.finishedAt() != null) {
            b.setFinishedAtNs(Timestamps.toNanos(state.finishedAt()));
        }
        if (!inputsApart) {
            state.inputs().forEach((k, v) -> b.addInputs(input(k, v)));
        }
        if (state.claim() != null) {
            b.setClaim(WireMapping.toProto(state.claim()));
        }
        if (state.notBefore() != null) {
            b.setNotBeforeNs(Timestamps.toNanos(state.notBefore()));
        }
        if (state.lostClaim() != null) {
            b.setLostClaim(WireMapping.toProto(state.lostClaim()));
        }
        return b.build();
    }

    /** An input as a record holds it: {@code value} is in stored form (see {@link OutputRefs}). */
    static Input input(String upstream, byte[] value) {
        var b = Input.newBuilder().setUpstream(upstream);
        if (OutputRefs.isRef(value)) {
            return b.setApart(OutputRefs.parse(value)).build();
        }
        checkInline(value);
        return b.setOutput(ByteString.copyFrom(value)).build();
    }

    /** A value too big to be inline that reaches a record is a bug: the planner stores such values apart. */
    private static void checkInline(byte[] value) {
        if (value.length > OutputRefs.INLINE_BYTES) {
            throw new IllegalStateException("an output of " + value.length + " bytes was not stored apart");
        }
    }

    /** The index entry of {@code event}, carrying {@code record} (as written beside it) when it is small. */
    static IndexEntry indexEntry(Event event, NodeRecord record) {
        var b = IndexEntry.newBuilder().setFormat(FORMAT).setEvent(WireMapping.toProto(event));
        if (event.notBefore() != null) {
            b.setNotBeforeNs(Timestamps.toNanos(event.notBefore()));
        }
        if (record != null && record.getSerializedSize() <= MAX_HINT_BYTES) {
            b.setRecord(record);
        }
        return b.build();
    }

    /** The entry telling the agent holding {@code claimId} that the node's run was cancelled. */
    static CancelEntry cancelEntry(NodeSpec spec, String claimId) {
        return CancelEntry.newBuilder()
                .setFormat(FORMAT)
                .setClaimId(claimId)
                .setSpec(WireMapping.toProto(spec))
                .build();
    }

    static Event event(IndexEntry entry) {
        var e = entry.getEvent();
        var type = switch (e.getType()) {
            case NODE_READY -> Event.Type.NODE_READY;
            case NODE_ORPHANED -> Event.Type.NODE_ORPHANED;
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown event type");
        };
        return new Event(
                type,
                e.getRunID(),
                WireMapping.fromProto(e.getNodeSpec()),
                entry.hasNotBeforeNs() ? Timestamps.fromNanos(entry.getNotBeforeNs()) : null,
                null);
    }
}
