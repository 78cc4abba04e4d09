package io.adagio.etcd;

import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Timestamps;
import io.adagio.etcd.storage.Downstream;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.wire.WireMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A node record as read from etcd: the parts the protocol works with, and the mod revision it was
 * read at (what a commit that used it compares).
 */
record StoredNode(NodeRecord record, NodeSpec spec, List<String> downstream, NodeState state, long modRevision) {

    /**
     * The record decoded; outputs stored apart are references ({@link OutputRefs}), which the
     * protocol passes on as they are.
     */
    static StoredNode of(NodeRecord r, long modRevision) {
        var inputs = new LinkedHashMap<String, byte[]>();
        for (var in : r.getInputsList()) {
            inputs.put(
                    in.getUpstream(),
                    in.hasApart()
                            ? OutputRefs.ref(in.getApart())
                            : in.getOutput().toByteArray());
        }
        var name = r.getSpec().getName();
        var attempts = new ArrayList<Result>(r.getAttemptsCount());
        for (int i = 0; i < r.getAttemptsCount(); i++) {
            var a = WireMapping.fromProto(r.getAttempts(i));
            Long apart = r.getOutputsApartMap().get(i);
            if (apart != null) {
                a = new Result(
                        a.conclusion(),
                        a.metadata(),
                        OutputRefs.ref(name, i, apart),
                        a.startedAt(),
                        a.finishedAt(),
                        a.agentId());
            }
            attempts.add(a);
        }
        var state = new NodeState(
                WireMapping.nodeStatus(r.getStatus()),
                attempts,
                r.hasStartedAtNs() ? Timestamps.fromNanos(r.getStartedAtNs()) : null,
                r.hasFinishedAtNs() ? Timestamps.fromNanos(r.getFinishedAtNs()) : null,
                inputs,
                r.hasClaim() ? WireMapping.fromProto(r.getClaim()) : null,
                r.getWaitingOn(),
                r.getOrphanRecovery(),
                WireMapping.conclusion(r.getConclusion()),
                r.hasNotBeforeNs() ? Timestamps.fromNanos(r.getNotBeforeNs()) : null,
                r.getCancelRequested(),
                r.getGeneration(),
                r.hasLostClaim() ? WireMapping.fromProto(r.getLostClaim()) : null);
        return new StoredNode(
                r,
                WireMapping.fromProto(r.getSpec()),
                r.getDownstreamList().stream().map(Downstream::getName).toList(),
                state,
                modRevision);
    }

    /**
     * Whether the node keeps its inputs under keys of their own while it waits (see
     * {@link EtcdStorage#WIDE_FAN_IN}): deliveries to it do not rewrite its record, and its record's
     * state keeps waiting on every upstream node until it is promoted.
     */
    boolean wideFanIn() {
        return EtcdStorage.wideFanIn(record);
    }

    String name() {
        return spec.name();
    }
}
