package io.adagio.core.graph;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A validated graph, indexed for the protocol: each node's spec, upstream and downstream names, and
 * its position (its index in the spec's node list, for backends that keep per-node state in
 * arrays). Immutable; built once per run in O(nodes + edges) by {@link GraphValidator}, from the
 * edges it turned into compressed rows of positions anyway, instead of a map and two lists per node
 * (a 10,000-node start spent a third of its time building those); names are looked up in a {@link
 * NameIndex}.
 */
public final class RunGraph {
    private final GraphSpec spec;
    private final NameIndex positions;
    private final String[] names;
    private final Adjacency down;
    private final Adjacency up;

    /**
     * @param positions every node's name at its position in the spec
     * @param down      edges from source position to destination positions, in spec order
     * @param up        the same edges from destination to source
     */
    RunGraph(GraphSpec spec, NameIndex positions, Adjacency down, Adjacency up) {
        this.spec = spec;
        var nodes = spec.nodes();
        this.names = new String[nodes.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = nodes.get(i).name();
        }
        this.positions = positions;
        this.down = down;
        this.up = up;
    }

    public GraphSpec spec() {
        return spec;
    }

    public List<NodeSpec> nodes() {
        return spec.nodes();
    }

    public List<Edge> edges() {
        return spec.edges();
    }

    /** The number of nodes. */
    public int size() {
        return names.length;
    }

    public boolean contains(String name) {
        return position(name) >= 0;
    }

    /** The node's index in {@link #nodes()}, or -1 when the graph has no such node. */
    public int position(String name) {
        return positions.position(name);
    }

    /** The node's spec, or null when the graph has no such node. */
    public NodeSpec node(String name) {
        int p = position(name);
        return p < 0 ? null : spec.nodes().get(p);
    }

    public List<String> upstream(String name) {
        int p = position(name);
        return p < 0 ? List.of() : new NameList(names, up, p);
    }

    public List<String> downstream(String name) {
        return downstream(position(name));
    }

    /** The downstream nodes of the node at {@code position} (none for -1). */
    public List<String> downstream(int position) {
        return position < 0 ? List.of() : new NameList(names, down, position);
    }

    /** How many upstream nodes the node at {@code position} waits on. */
    public int upstreamCount(int position) {
        return up.end(position) - up.start(position);
    }

    /** Edges by one end, in spec order, as compressed rows: the row of node n is {@code targets[offsets[n] .. offsets[n + 1])}. */
    record Adjacency(int[] offsets, int[] targets) {
        static Adjacency of(int count, int[] from, int[] to, int edges) {
            int[] offsets = new int[count + 1];
            for (int i = 0; i < edges; i++) {
                offsets[from[i] + 1]++;
            }
            for (int n = 0; n < count; n++) {
                offsets[n + 1] += offsets[n];
            }
            int[] fill = java.util.Arrays.copyOf(offsets, count);
            int[] targets = new int[edges];
            for (int i = 0; i < edges; i++) {
                targets[fill[from[i]]++] = to[i];
            }
            return new Adjacency(offsets, targets);
        }

        int start(int node) {
            return offsets[node];
        }

        int end(int node) {
            return offsets[node + 1];
        }

        int target(int i) {
            return targets[i];
        }
    }

    /** One node's row of an adjacency, as the names at its targets: a view, nothing copied. */
    private static final class NameList extends AbstractList<String> implements RandomAccess {
        private final String[] names;
        private final int[] targets;
        private final int from;
        private final int size;

        NameList(String[] names, Adjacency rows, int node) {
            this.names = names;
            this.targets = rows.targets();
            this.from = rows.start(node);
            this.size = rows.end(node) - from;
        }

        @Override
        public String get(int index) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException(index);
            }
            return names[targets[from + index]];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
