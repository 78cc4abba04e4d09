package io.adagio.core.graph;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated graph, indexed for the protocol: each node's spec, upstream and downstream names.
 * Immutable; built once per run in O(nodes + edges).
 */
public final class RunGraph {
    private final GraphSpec spec;
    private final Map<String, NodeSpec> nodes;
    private final Map<String, List<String>> upstream;
    private final Map<String, List<String>> downstream;

    private RunGraph(GraphSpec spec) {
        this.spec = spec;
        var nodes = new HashMap<String, NodeSpec>(spec.nodes().size() * 2);
        var up = new HashMap<String, List<String>>(spec.nodes().size() * 2);
        var down = new HashMap<String, List<String>>(spec.nodes().size() * 2);
        for (var n : spec.nodes()) {
            nodes.put(n.name(), n);
            up.put(n.name(), new ArrayList<>());
            down.put(n.name(), new ArrayList<>());
        }
        for (Edge e : spec.edges()) {
            down.get(e.source()).add(e.destination());
            up.get(e.destination()).add(e.source());
        }
        this.nodes = Collections.unmodifiableMap(nodes);
        up.replaceAll((k, v) -> List.copyOf(v));
        down.replaceAll((k, v) -> List.copyOf(v));
        this.upstream = Collections.unmodifiableMap(up);
        this.downstream = Collections.unmodifiableMap(down);
    }

    /** Indexes a spec that {@link GraphValidator} accepted. */
    static RunGraph of(GraphSpec spec) {
        return new RunGraph(spec);
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

    public boolean contains(String name) {
        return nodes.containsKey(name);
    }

    public NodeSpec node(String name) {
        return nodes.get(name);
    }

    public List<String> upstream(String name) {
        return upstream.getOrDefault(name, List.of());
    }

    public List<String> downstream(String name) {
        return downstream.getOrDefault(name, List.of());
    }
}
