package io.adagio.memory;

import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.repository.Subscription;
import java.util.EnumMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the memory repository knows across runs without scanning them: how many nodes are in each
 * status, and the nodes READY, orphaned or being cancelled right now, so that a new subscriber is
 * told about them in O(such nodes). Kept in step with every node's change of state
 * ({@link #track}); thread-safe.
 */
final class NodeIndex {
    private record NodeRef(String runId, String node) {}

    private final EnumMap<NodeStatus, LongAdder> counts = new EnumMap<>(NodeStatus.class);
    /** Nodes READY right now (with their not-before time). */
    private final ConcurrentHashMap<NodeRef, Event> ready = new ConcurrentHashMap<>();
    /** Nodes orphaned (NONE) right now. */
    private final ConcurrentHashMap<NodeRef, Event> orphaned = new ConcurrentHashMap<>();
    /** RUNNING nodes whose run was cancelled: their agents are to stop them. */
    private final ConcurrentHashMap<NodeRef, Event> cancelling = new ConcurrentHashMap<>();

    NodeIndex() {
        for (var status : NodeStatus.values()) {
            counts.put(status, new LongAdder());
        }
    }

    /** One node's change of state, from {@code before} (null for a new node) to {@code after}. */
    void track(String runId, RunGraph graph, String node, NodeState before, NodeState after) {
        var ref = new NodeRef(runId, node);
        boolean wasCancelling = before != null && before.cancelRequested();
        if (wasCancelling != after.cancelRequested()) {
            if (wasCancelling) {
                cancelling.remove(ref);
            } else {
                cancelling.put(
                        ref,
                        Event.cancelled(runId, graph.node(node), after.claim().id()));
            }
        }
        NodeStatus from = before == null ? null : before.status();
        NodeStatus to = after.status();
        if (from == to) {
            return;
        }
        if (from != null) {
            counts.get(from).decrement();
            switch (from) {
                case READY -> ready.remove(ref);
                case NONE -> orphaned.remove(ref);
                default -> {}
            }
        }
        counts.get(to).increment();
        switch (to) {
            case READY -> ready.put(ref, Event.ready(runId, graph.node(node), after.notBefore()));
            case NONE -> orphaned.put(ref, Event.orphaned(runId, graph.node(node)));
            default -> {}
        }
    }

    /** A deleted run's node, last in {@code state}. */
    void forget(String runId, String node, NodeState state) {
        counts.get(state.status()).decrement();
        var ref = new NodeRef(runId, node);
        ready.remove(ref);
        orphaned.remove(ref);
        cancelling.remove(ref);
    }

    /** Offers a new subscriber what it wants of what holds now. */
    void replay(Subscription subscription, Set<Event.Type> wanted) {
        if (wanted.contains(Event.Type.NODE_READY)) {
            ready.values().forEach(subscription::offer);
        }
        if (wanted.contains(Event.Type.NODE_ORPHANED)) {
            orphaned.values().forEach(subscription::offer);
        }
        if (wanted.contains(Event.Type.NODE_CANCELLED)) {
            cancelling.values().forEach(subscription::offer);
        }
    }

    Stats.NodeCounts counts() {
        return new Stats.NodeCounts(
                counts.get(NodeStatus.WAITING).sum(),
                counts.get(NodeStatus.READY).sum(),
                counts.get(NodeStatus.RUNNING).sum(),
                counts.get(NodeStatus.COMPLETED).sum(),
                counts.get(NodeStatus.NONE).sum());
    }
}
