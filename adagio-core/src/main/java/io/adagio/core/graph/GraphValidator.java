package io.adagio.core.graph;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Names;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.repository.RepositoryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a graph spec against every rule (docs/ARCHITECTURE.md, "The domain") and compiles it into a
 * {@link RunGraph}. Every problem is reported together, each naming the node, edge end, retry
 * condition or field at fault.
 */
public final class GraphValidator {
    private final Limits limits;

    public GraphValidator(Limits limits) {
        this.limits = limits;
    }

    public GraphValidator() {
        this(Limits.DEFAULT);
    }

    public Limits limits() {
        return limits;
    }

    /**
     * @throws RepositoryException.LimitExceeded when the spec is over a size limit
     * @throws RepositoryException.InvalidSpec   listing every problem otherwise found
     */
    public RunGraph validate(GraphSpec spec) {
        checkLimits(spec);
        var problems = new ArrayList<String>();
        if (spec.nodes().isEmpty()) {
            problems.add("the graph has no nodes: at least one node is required");
        }
        var names = new HashSet<String>();
        for (int i = 0; i < spec.nodes().size(); i++) {
            checkNode(spec.nodes().get(i), i, names, problems);
        }
        // Edges are checked against every declared name, so a badly named node is reported once
        // (for its name), not again for each edge that uses it.
        var declared = new HashSet<String>();
        for (var node : spec.nodes()) {
            if (node.name() != null && !node.name().isEmpty()) {
                declared.add(node.name());
            }
        }
        var seenEdges = new HashSet<Edge>();
        var usableEdges = new ArrayList<Edge>();
        for (var edge : spec.edges()) {
            if (checkEdge(edge, declared, seenEdges, problems)) {
                usableEdges.add(edge);
            }
        }
        // Cycles are looked for among the usable edges even when other problems were found, so
        // that one message lists everything wrong with the spec.
        findCycle(new GraphSpec(spec.nodes(), usableEdges))
                .ifPresent(cycle -> problems.add("the graph has a cycle: " + String.join(" -> ", cycle)));
        if (!problems.isEmpty()) {
            throw new RepositoryException.InvalidSpec(problems);
        }
        return RunGraph.of(spec);
    }

    private void checkLimits(GraphSpec spec) {
        if (spec.nodes().size() > limits.maxNodes()) {
            throw new RepositoryException.LimitExceeded(
                    "the graph has " + spec.nodes().size() + " nodes, over the limit of " + limits.maxNodes());
        }
        if (spec.edges().size() > limits.maxEdges()) {
            throw new RepositoryException.LimitExceeded(
                    "the graph has " + spec.edges().size() + " edges, over the limit of " + limits.maxEdges());
        }
        for (var node : spec.nodes()) {
            long size = metadataBytes(node);
            if (size > limits.maxMetadataBytesPerNode()) {
                throw new RepositoryException.LimitExceeded("node \"" + node.name() + "\" has " + size
                        + " bytes of metadata, over the limit of " + limits.maxMetadataBytesPerNode());
            }
        }
    }

    private static long metadataBytes(NodeSpec node) {
        long size = 0;
        for (var e : node.metadata().entrySet()) {
            size += e.getKey().getBytes(StandardCharsets.UTF_8).length;
            for (var v : e.getValue()) {
                size += v.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return size;
    }

    private static void checkNode(NodeSpec node, int index, Set<String> names, List<String> problems) {
        String name = node.name() == null ? "" : node.name();
        String label = name.isEmpty() ? "node #" + (index + 1) : "node \"" + name + "\"";
        if (name.isEmpty()) {
            problems.add(label + " has an empty name");
        } else if (!Names.isName(name)) {
            // Names become key segments in stores, so they are restricted to a safe alphabet.
            problems.add(label + " has an invalid name: a name is " + Names.NAME_RULE);
        } else if (!names.add(name)) {
            problems.add(label + ": duplicate name, node names must be unique");
        }
        if (node.runtime() == null || node.runtime().isBlank()) {
            problems.add(label + " has no runtime");
        } else if (!Names.isName(node.runtime())) {
            problems.add(label + " has an invalid runtime " + Names.quote(node.runtime()) + ": a runtime is "
                    + Names.NAME_RULE);
        }
        for (Map.Entry<String, RetryRule> rule : node.retry().entrySet()) {
            if (RetryCondition.fromKey(rule.getKey()).isEmpty()) {
                problems.add(label + " has an unknown retry condition \"" + rule.getKey()
                        + "\": conditions are \"fail\" and \"error\"");
            }
            if (rule.getValue() == null || rule.getValue().maxAttempts() < 1) {
                problems.add(label + " retry \"" + rule.getKey() + "\": max_attempts must be at least 1, got "
                        + (rule.getValue() == null ? "nothing" : rule.getValue().maxAttempts()));
            }
        }
        TimingRules.check(node, label, problems);
    }

    private static boolean checkEdge(Edge edge, Set<String> names, Set<Edge> seen, List<String> problems) {
        boolean usable = true;
        String src = edge.source() == null ? "" : edge.source();
        String dst = edge.destination() == null ? "" : edge.destination();
        String label = "edge \"" + src + "\" -> \"" + dst + "\"";
        if (!names.contains(src)) {
            problems.add(label + ": source \"" + src + "\" is not a node of the graph");
            usable = false;
        }
        if (!names.contains(dst)) {
            problems.add(label + ": destination \"" + dst + "\" is not a node of the graph");
            usable = false;
        }
        if (src.equals(dst) && !src.isEmpty()) {
            problems.add(label + " is a self-loop: a node cannot depend on itself (a cycle)");
            usable = false;
        }
        if (!seen.add(new Edge(src, dst))) {
            problems.add(label + " is a duplicate edge");
            usable = false;
        }
        return usable;
    }

    /** One cycle, as node names in edge order with the first repeated at the end, if any exists. */
    static java.util.Optional<List<String>> findCycle(GraphSpec spec) {
        var indegree = new HashMap<String, Integer>();
        var down = new HashMap<String, List<String>>();
        var up = new HashMap<String, List<String>>();
        for (var n : spec.nodes()) {
            if (n.name() != null) { // a nameless node is reported elsewhere and has no edges
                indegree.put(n.name(), 0);
            }
        }
        for (var e : spec.edges()) {
            indegree.merge(e.destination(), 1, Integer::sum);
            down.computeIfAbsent(e.source(), k -> new ArrayList<>()).add(e.destination());
            up.computeIfAbsent(e.destination(), k -> new ArrayList<>()).add(e.source());
        }
        var queue = new java.util.ArrayDeque<String>();
        indegree.forEach((n, d) -> {
            if (d == 0) {
                queue.add(n);
            }
        });
        while (!queue.isEmpty()) {
            var n = queue.poll();
            indegree.remove(n);
            for (var d : down.getOrDefault(n, List.of())) {
                if (indegree.merge(d, -1, Integer::sum) == 0) {
                    queue.add(d);
                }
            }
        }
        if (indegree.isEmpty()) {
            return java.util.Optional.empty();
        }
        // Every node left has a predecessor that is also left: walk predecessors until one repeats.
        var remaining = indegree.keySet();
        var start = spec.nodes().stream()
                .map(NodeSpec::name)
                .filter(remaining::contains)
                .findFirst()
                .orElseThrow();
        var path = new ArrayList<String>();
        var position = new HashMap<String, Integer>();
        String current = start;
        while (!position.containsKey(current)) {
            position.put(current, path.size());
            path.add(current);
            current = up.get(current).stream()
                    .filter(remaining::contains)
                    .findFirst()
                    .orElseThrow();
        }
        var cycle = new ArrayList<>(path.subList(position.get(current), path.size()));
        java.util.Collections.reverse(cycle);
        cycle.add(cycle.getFirst());
        return java.util.Optional.of(cycle);
    }
}
