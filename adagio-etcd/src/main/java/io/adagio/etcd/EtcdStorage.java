package io.adagio.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.Downstream;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.etcd.storage.Input;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.ByteSequence;
import java.util.LinkedHashMap;
import java.util.List;

/** Encodes and decodes the stored records (storage.proto), checking their format version. */
final class EtcdStorage {
    /** The storage format this release writes and the newest it reads. */
    // 2: wide fan-in nodes keep their inputs under per-edge keys until they are READY (Keys.input).
    static final int FORMAT_VERSION = 2;

    /**
     * Nodes with more upstream nodes than this receive their inputs as per-edge keys instead of in
     * their record: a record rewritten by each upstream's finish would grow with the fan-in
     * (quadratic bytes) and serialise every finish on it. Below it, one guarded record rewrite is
     * cheaper than counting keys, and its contention is bounded by the fan-in.
     */
    static final int WIDE_FAN_IN = 8;

    private EtcdStorage() {}

    static ByteSequence encode(Message m) {
        return ByteSequence.from(m.toByteString());
    }

    interface Parser<T> {
        T parse(ByteString bytes) throws InvalidProtocolBufferException;
    }

    static <T extends Message> T decode(ByteSequence value, Parser<T> parser, String key) {
        T m;
        try {
            m = parser.parse(ByteString.copyFrom(value.getBytes()));
        } catch (InvalidProtocolBufferException e) {
            throw new RepositoryException.StorageFormat("etcd key " + key + " does not hold an Adagio record", e);
        }
        var format = m.getField(m.getDescriptorForType().findFieldByName("format"));
        if (format instanceof Integer f && f > FORMAT_VERSION) {
            throw new RepositoryException.StorageFormat("etcd key " + key + " was written in storage format " + f
                    + " by a newer Adagio; this release reads format " + FORMAT_VERSION + " and older: upgrade it");
        }
        return m;
    }

    /** A node record read from etcd: the parts the protocol works with, and where it was read. */
    record StoredNode(NodeRecord record, NodeSpec spec, List<String> downstream, NodeState state, long modRevision) {
        static StoredNode of(NodeRecord r, long modRevision) {
            var inputs = new LinkedHashMap<String, byte[]>();
            for (var in : r.getInputsList()) {
                inputs.put(in.getUpstream(), in.getOutput().toByteArray());
            }
            var state = new NodeState(
                    WireMapping.nodeStatus(r.getStatus()),
                    r.getAttemptsList().stream().map(WireMapping::fromProto).toList(),
                    r.hasStartedAtNs() ? Timestamps.fromNanos(r.getStartedAtNs()) : null,
                    r.hasFinishedAtNs() ? Timestamps.fromNanos(r.getFinishedAtNs()) : null,
                    inputs,
                    r.hasClaim() ? WireMapping.fromProto(r.getClaim()) : null,
                    r.getWaitingOn(),
                    r.getOrphanRecovery());
            return new StoredNode(
                    r,
                    WireMapping.fromProto(r.getSpec()),
                    r.getDownstreamList().stream().map(Downstream::getName).toList(),
                    state,
                    modRevision);
        }
    }

    static boolean wideFanIn(NodeRecord r) {
        return r.getUpstreamCount() > WIDE_FAN_IN;
    }

    /** The record with {@code state} in place of the stored state; spec and graph parts are kept. */
    static NodeRecord withState(NodeRecord base, NodeState state, String writeId) {
        var b = base.toBuilder()
                .setFormat(FORMAT_VERSION)
                .setStatus(WireMapping.toProto(state.status()))
                .clearAttempts()
                .addAllAttempts(
                        state.attempts().stream().map(WireMapping::toProto).toList())
                .clearStartedAtNs()
                .clearFinishedAtNs()
                .clearInputs()
                .clearClaim()
                .setWaitingOn(state.waitingOn())
                .setOrphanRecovery(state.orphanRecovery())
                .setLastWrite(writeId);
        if (state.startedAt() != null) {
            b.setStartedAtNs(Timestamps.toNanos(state.startedAt()));
        }
        if (state.finishedAt() != null) {
            b.setFinishedAtNs(Timestamps.toNanos(state.finishedAt()));
        }
        state.inputs()
                .forEach((k, v) -> b.addInputs(Input.newBuilder().setUpstream(k).setOutput(ByteString.copyFrom(v))));
        if (state.claim() != null) {
            b.setClaim(WireMapping.toProto(state.claim()));
        }
        return b.build();
    }

    /**
     * Records up to this size ride along in index entries (IndexEntry.record) so a claim need not read
     * them; a bigger one (a wide fan-in node with all its inputs) would double a large write.
     */
    static final int MAX_HINT_BYTES = 16 * 1024;

    /** The index entry of {@code event}, carrying {@code record} (as written beside it) when it is small. */
    static IndexEntry indexEntry(Event event, NodeRecord record) {
        var b = IndexEntry.newBuilder().setFormat(FORMAT_VERSION).setEvent(WireMapping.toProto(event));
        if (record != null && record.getSerializedSize() <= MAX_HINT_BYTES) {
            b.setRecord(record);
        }
        return b.build();
    }

    static Event event(IndexEntry entry) {
        var e = entry.getEvent();
        var type = switch (e.getType()) {
            case NODE_READY -> Event.Type.NODE_READY;
            case NODE_ORPHANED -> Event.Type.NODE_ORPHANED;
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown event type");
        };
        return new Event(type, e.getRunID(), WireMapping.fromProto(e.getNodeSpec()));
    }
}
