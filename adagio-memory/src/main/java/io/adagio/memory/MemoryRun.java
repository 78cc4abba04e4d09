package io.adagio.memory;

import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.protocol.WholeRun;
import io.adagio.core.watch.RunFeed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One run's state in the memory repository, and the view of it the protocol reads. Every field but
 * the immutable ones is guarded by {@link #lock}.
 */
final class MemoryRun implements WholeRun {
    final String id;
    final Instant createdAt;
    final RunGraph graph;
    final ReentrantLock lock = new ReentrantLock();
    /** Each node's state, at its position in the graph (null before the start sets it). */
    private final NodeState[] states;

    private final int attemptLimit;
    long completed;
    boolean started;
    /** Set under the lock by a delete: the run is gone from every map, and no step may touch it. */
    boolean deleted;
    /** The feed of this run's watchers, while it has any. */
    RunFeed feed;
    /** Set by a cancel, cleared by a rerun. */
    boolean cancelled;
    /**
     * Positions of names asked about lately, by the string's identity, in slots chosen by its hash:
     * a node's name is looked up when it is claimed and again, a few steps of other nodes later, when
     * it finishes (always the same string), and a lookup in the graph's index of a 10,000-node run
     * reads memory no other step touched lately. Under the lock.
     */
    private final String[] recentNames = new String[RECENT];

    private final int[] recentPositions = new int[RECENT];
    private static final int RECENT = 64;
    /** This run's nodes that a new subscriber is to be told about; kept by {@link NodeIndex}. */
    final Marks marks = new Marks();

    /** Nodes READY, orphaned (NONE) and being cancelled right now, by position. Under the lock. */
    static final class Marks {
        final BitSet ready = new BitSet();
        final BitSet orphaned = new BitSet();
        final BitSet cancelling = new BitSet();
        /** Whether the run is among {@link NodeIndex}'s marked runs. */
        boolean indexed;

        /** Marks or unmarks the node at {@code position} as being in {@code status}, if that status is marked. */
        void of(NodeStatus status, int position, boolean on) {
            switch (status) {
                case READY -> ready.set(position, on);
                case NONE -> orphaned.set(position, on);
                default -> {}
            }
        }

        boolean isEmpty() {
            return ready.isEmpty() && orphaned.isEmpty() && cancelling.isEmpty();
        }
    }

    MemoryRun(String id, Instant createdAt, RunGraph graph, int attemptLimit) {
        this.id = id;
        this.createdAt = createdAt;
        this.graph = graph;
        this.attemptLimit = attemptLimit;
        this.states = new NodeState[graph.size()];
    }

    @Override
    public String runId() {
        return id;
    }

    @Override
    public int attemptLimit() {
        return attemptLimit;
    }

    @Override
    public NodeSpec spec(String node) {
        int p = position(node);
        return p < 0 ? null : graph.nodes().get(p);
    }

    @Override
    public List<String> downstream(String node) {
        return graph.downstream(position(node));
    }

    @Override
    public NodeState state(String node) {
        int p = position(node);
        return p < 0 ? null : states[p];
    }

    /**
     * The node's position in the graph, or -1. Under the lock. A step asks for the same nodes'
     * positions again and again (their spec, state, downstream, new state, index marks), and a
     * lookup in the graph's index of a 10,000-node run reads memory no other step touched lately.
     */
    int position(String node) {
        if (node == null) {
            return -1;
        }
        int h = node.hashCode();
        int slot = (h ^ (h >>> 16)) & (RECENT - 1);
        if (recentNames[slot] == node) {
            return recentPositions[slot];
        }
        int p = graph.position(node);
        recentNames[slot] = node;
        recentPositions[slot] = p;
        return p;
    }

    /** The state of the node at {@code position}. Under the lock. */
    NodeState state(int position) {
        return states[position];
    }

    /** Under the lock (or once deleted): each node's state, in the graph's order. */
    void forEachState(java.util.function.Consumer<NodeState> action) {
        for (var state : states) {
            if (state != null) {
                action.accept(state);
            }
        }
    }

    @Override
    public List<String> nodes() {
        return graph.nodes().stream().map(NodeSpec::name).toList();
    }

    @Override
    public List<String> upstream(String node) {
        return graph.upstream(node);
    }

    RunKey key() {
        return new RunKey(Timestamps.toNanos(createdAt), id);
    }

    /** Under the lock: one node's new state, and the run's own counters after it. */
    void put(int position, NodeState before, NodeState after) {
        states[position] = after;
        var from = before == null ? null : before.status();
        if (from == after.status()) {
            return;
        }
        // Not a pattern switch with "case null": that one goes through a type-switch bootstrap, 3 % of
        // an agent's samples on a fan-out.
        if (from == NodeStatus.COMPLETED) {
            completed--;
        }
        switch (after.status()) {
            case COMPLETED -> completed++;
            case RUNNING -> started = true;
            default -> {}
        }
    }

    /** Under the lock. */
    RunStatus status() {
        return Protocol.runStatus(graph.nodes().size(), completed, started);
    }

    Run snapshot() {
        lock.lock();
        try {
            var nodes = new ArrayList<Node>(graph.nodes().size());
            var specs = graph.nodes();
            for (int i = 0; i < states.length; i++) {
                nodes.add(states[i].toNode(specs.get(i)));
            }
            var status = status();
            return new Run(id, createdAt, nodes, graph.edges(), status, Run.conclusionOf(status, cancelled, nodes));
        } finally {
            lock.unlock();
        }
    }
}
