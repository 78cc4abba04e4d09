package io.adagio.conformance;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryRule;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for the graph specs the conformance tests use. */
public final class Graphs {
    /** The runtime every test node uses; the repository never interprets it. */
    public static final String RUNTIME = "debug";

    private Graphs() {}

    public static NodeSpec node(String name) {
        return new NodeSpec(name, RUNTIME);
    }

    /**
     * A node with retry rules; 0 means "no rule" for that condition.
     */
    public static NodeSpec node(String name, int failMaxAttempts, int errorMaxAttempts) {
        var retry = new LinkedHashMap<String, RetryRule>();
        if (failMaxAttempts > 0) {
            retry.put("fail", RetryRule.maxAttempts(failMaxAttempts));
        }
        if (errorMaxAttempts > 0) {
            retry.put("error", RetryRule.maxAttempts(errorMaxAttempts));
        }
        return new NodeSpec(name, RUNTIME, Map.of(), retry);
    }

    /** A node whose fail and error rules (0: none) both wait out {@code backoff} between attempts. */
    public static NodeSpec node(String name, int failMaxAttempts, int errorMaxAttempts, RetryRule.Backoff backoff) {
        var retry = new LinkedHashMap<String, RetryRule>();
        if (failMaxAttempts > 0) {
            retry.put("fail", new RetryRule(failMaxAttempts, backoff));
        }
        if (errorMaxAttempts > 0) {
            retry.put("error", new RetryRule(errorMaxAttempts, backoff));
        }
        return new NodeSpec(name, RUNTIME, Map.of(), retry);
    }

    /** A graph from nodes and edges written {@code "source->destination"}. */
    public static GraphSpec graph(List<NodeSpec> nodes, String... edges) {
        return new GraphSpec(nodes, Arrays.stream(edges).map(Graphs::edge).toList());
    }

    /** A graph of plain nodes named by the edges and the extra names given. */
    public static GraphSpec graph(String... edges) {
        var names = new java.util.LinkedHashSet<String>();
        for (var e : edges) {
            var edge = edge(e);
            names.add(edge.source());
            names.add(edge.destination());
        }
        return graph(names.stream().map(Graphs::node).toList(), edges);
    }

    public static Edge edge(String arrow) {
        var parts = arrow.split("->", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("an edge is written source->destination: " + arrow);
        }
        return new Edge(parts[0].trim(), parts[1].trim());
    }

    /** The seven-node example: a->c, a->d, b->d, b->f, c->e, d->e, e->g, f->g. */
    public static GraphSpec sevenNodeDag() {
        return graph(
                List.of(node("a"), node("b"), node("c"), node("d"), node("e"), node("f"), node("g")),
                "a->c",
                "a->d",
                "b->d",
                "b->f",
                "c->e",
                "d->e",
                "e->g",
                "f->g");
    }

    /** The seven-node example with one node replaced (for instance by one with retry rules). */
    public static GraphSpec sevenNodeDagWith(NodeSpec replacement) {
        var base = sevenNodeDag();
        var nodes = base.nodes().stream()
                .map(n -> n.name().equals(replacement.name()) ? replacement : n)
                .toList();
        return new GraphSpec(nodes, base.edges());
    }
}
