package io.adagio.bench;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.util.ArrayList;
import java.util.List;

/** The workflow shapes the benchmarks run, every node a no-op {@code debug} node. */
public final class Shapes {
    static final String RUNTIME = "debug";

    private Shapes() {}

    /**
     * One node fanning out to {@code nodes - 2} parallel nodes that all fan in to one last node: the
     * widest graph of its size, and the hardest on readiness (the last node waits on all the others).
     */
    public static GraphSpec fanOutFanIn(int nodes) {
        if (nodes < 3) {
            throw new IllegalArgumentException("a fan-out/fan-in graph needs at least 3 nodes, got " + nodes);
        }
        var specs = new ArrayList<NodeSpec>(nodes);
        var edges = new ArrayList<Edge>(2 * (nodes - 2));
        specs.add(node("fan-out"));
        for (int i = 1; i <= nodes - 2; i++) {
            var name = "n" + i;
            specs.add(node(name));
            edges.add(new Edge("fan-out", name));
            edges.add(new Edge(name, "fan-in"));
        }
        specs.add(node("fan-in"));
        return new GraphSpec(specs, edges);
    }

    /** The shape of the seven-node example workflow (examples/hello.json), with no-op nodes. */
    public static GraphSpec sevenNodes() {
        var specs = new ArrayList<NodeSpec>();
        for (var name : List.of("a", "b", "c", "d", "e", "f", "g")) {
            specs.add(node(name));
        }
        var edges = List.of(
                new Edge("a", "c"),
                new Edge("a", "d"),
                new Edge("b", "d"),
                new Edge("b", "f"),
                new Edge("c", "e"),
                new Edge("d", "e"),
                new Edge("e", "g"),
                new Edge("f", "g"));
        return new GraphSpec(specs, edges);
    }

    /** {@code nodes} nodes one after the other: no parallelism at all, pure hand-over latency. */
    public static GraphSpec chain(int nodes) {
        var specs = new ArrayList<NodeSpec>(nodes);
        var edges = new ArrayList<Edge>(Math.max(0, nodes - 1));
        for (int i = 1; i <= nodes; i++) {
            specs.add(node("c" + i));
            if (i > 1) {
                edges.add(new Edge("c" + (i - 1), "c" + i));
            }
        }
        return new GraphSpec(specs, edges);
    }

    /**
     * {@code layers} layers of {@code width} nodes; each node below the first layer depends on two
     * nodes of the layer above, chosen at random (fixed seed): wide and deep at once, with no node
     * feeding or waiting on more than a few others.
     */
    public static GraphSpec layered(int layers, int width) {
        if (width < 2) {
            throw new IllegalArgumentException("a layered graph needs layers at least 2 wide, got " + width);
        }
        var random = new java.util.Random(17);
        var specs = new ArrayList<NodeSpec>(layers * width);
        var edges = new ArrayList<Edge>(2 * (layers - 1) * width);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < width; i++) {
                specs.add(node("l" + l + "n" + i));
                if (l > 0) {
                    int a = random.nextInt(width);
                    int b = (a + 1 + random.nextInt(width - 1)) % width;
                    edges.add(new Edge("l" + (l - 1) + "n" + a, "l" + l + "n" + i));
                    edges.add(new Edge("l" + (l - 1) + "n" + b, "l" + l + "n" + i));
                }
            }
        }
        return new GraphSpec(specs, edges);
    }

    private static NodeSpec node(String name) {
        return new NodeSpec(name, RUNTIME);
    }
}
