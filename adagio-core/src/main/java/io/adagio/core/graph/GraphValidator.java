package io.adagio.core.graph;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Names;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.Text;
import io.adagio.core.repository.RepositoryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checks a graph spec against every rule (docs/ARCHITECTURE.md, "The domain") and compiles it into a
 * {@link RunGraph}. Every problem is reported together, each naming the node, edge end, retry
 * condition or field at fault.
 */
public final class GraphValidator {
    /** A cycle longer than this is named by its first nodes and its length. */
    private static final int MAX_CYCLE_SHOWN = 20;

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
        var nodes = spec.nodes();
        if (nodes.isEmpty()) {
            problems.add("the graph has no nodes: at least one node is required");
        }
        // One index from each declared name to its node's position serves every check below, and
        // then the run's graph. Edges are checked against every declared name, so a badly named
        // node is reported once (for its name), not again for each edge that uses it.
        var positions = new NameIndex(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            checkNode(nodes.get(i), i, positions, problems);
        }
        var edges = spec.edges();
        int[] sources = new int[edges.size()];
        int[] destinations = new int[edges.size()];
        int used = 0;
        // Edges between two nodes are checked for duplicates by position below; the few others
        // (naming no node, or a self-loop) by name here.
        var others = new HashSet<Edge>();
        for (var edge : edges) {
            String src = edge.source() == null ? "" : edge.source();
            String dst = edge.destination() == null ? "" : edge.destination();
            int s = positions.position(src);
            int d = positions.position(dst);
            if (checkEdge(src, dst, s >= 0, d >= 0, problems)) {
                sources[used] = s;
                destinations[used] = d;
                used++;
            } else if (!others.add(new Edge(src, dst))) {
                problems.add(edgeLabel(src, dst) + " is a duplicate edge");
            }
        }
        var down = RunGraph.Adjacency.of(nodes.size(), sources, destinations, used);
        var up = RunGraph.Adjacency.of(nodes.size(), destinations, sources, used);
        reportDuplicateEdges(nodes, down, problems);
        // Cycles are looked for among the usable edges even when other problems were found, so
        // that one message lists everything wrong with the spec.
        findCycle(nodes, down, up).ifPresent(cycle -> problems.add("the graph has a cycle: " + describeCycle(cycle)));
        if (!problems.isEmpty()) {
            throw new RepositoryException.InvalidSpec(problems);
        }
        return new RunGraph(spec, positions, down, up);
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
                throw new RepositoryException.LimitExceeded("node " + Names.quote(node.name()) + " has " + size
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

    private void checkNode(NodeSpec node, int index, NameIndex positions, List<String> problems) {
        String name = node.name() == null ? "" : node.name();
        // Made only for a message: quoting every node's name cost a 100,000-node start dearly.
        Supplier<String> label = () -> name.isEmpty() ? "node #" + (index + 1) : "node " + Names.quote(name);
        if (name.isEmpty()) {
            problems.add(label.get() + " has an empty name");
        } else {
            boolean first = positions.putIfAbsent(name, index) < 0;
            if (!Names.isName(name)) {
                // Names become key segments in stores, so they are restricted to a safe alphabet.
                problems.add(label.get() + " has an invalid name: a name is " + Names.NAME_RULE);
            } else if (!first) {
                problems.add(label.get() + ": duplicate name, node names must be unique");
            }
        }
        if (node.runtime() == null || node.runtime().isBlank()) {
            problems.add(label.get() + " has no runtime");
        } else if (!Names.isName(node.runtime())) {
            problems.add(label.get() + " has an invalid runtime " + Names.quote(node.runtime()) + ": a runtime is "
                    + Names.NAME_RULE);
        }
        checkMetadata(node, label, problems);
        for (Map.Entry<String, RetryRule> rule : node.retry().entrySet()) {
            String condition = Names.quote(rule.getKey());
            if (RetryCondition.fromKey(rule.getKey()).isEmpty()) {
                problems.add(label.get() + " has an unknown retry condition " + condition
                        + ": conditions are \"fail\" and \"error\"");
            }
            if (rule.getValue() == null || rule.getValue().maxAttempts() < 1) {
                problems.add(label.get() + " retry " + condition + ": max_attempts must be at least 1, got "
                        + (rule.getValue() == null ? "nothing" : rule.getValue().maxAttempts()));
            } else if (rule.getValue().maxAttempts() > limits.maxAttempts()) {
                // A rule without a sane bound retries a failing node for ever, as fast as agents can.
                problems.add(label.get() + " retry " + condition + ": max_attempts "
                        + rule.getValue().maxAttempts() + " is over the limit of " + limits.maxAttempts());
            }
        }
        if (node.timeout() != null || !node.retry().isEmpty()) {
            TimingRules.check(node, label.get(), problems);
        }
    }

    /** Metadata becomes protobuf strings: keys and values must be valid Unicode (no lone surrogate). */
    private static void checkMetadata(NodeSpec node, Supplier<String> label, List<String> problems) {
        for (var entry : node.metadata().entrySet()) {
            if (!Text.isValidUnicode(entry.getKey())) {
                problems.add(label.get() + " metadata key " + Names.quote(entry.getKey()) + " is not valid Unicode"
                        + loneSurrogateAt(entry.getKey()));
                continue;
            }
            var values = entry.getValue();
            for (int i = 0; i < values.size(); i++) {
                if (!Text.isValidUnicode(values.get(i))) {
                    problems.add(label.get() + " metadata " + Names.quote(entry.getKey()) + " value #" + (i + 1)
                            + " is not valid Unicode" + loneSurrogateAt(values.get(i)));
                }
            }
        }
    }

    private static String loneSurrogateAt(String s) {
        return " (a lone UTF-16 surrogate at character " + (Text.loneSurrogate(s) + 1) + ")";
    }

    /** Checks one edge's ends; true if it joins two different nodes. */
    private static boolean checkEdge(
            String src, String dst, boolean sourceKnown, boolean destinationKnown, List<String> problems) {
        boolean usable = true;
        if (!sourceKnown) {
            problems.add(edgeLabel(src, dst) + ": source " + Names.quote(src) + " is not a node of the graph");
            usable = false;
        }
        if (!destinationKnown) {
            problems.add(edgeLabel(src, dst) + ": destination " + Names.quote(dst) + " is not a node of the graph");
            usable = false;
        }
        if (src.equals(dst) && !src.isEmpty()) {
            problems.add(edgeLabel(src, dst) + " is a self-loop: a node cannot depend on itself (a cycle)");
            usable = false;
        }
        return usable;
    }

    /** Made only for a message: quoting every edge's ends cost a 100,000-node start dearly. */
    private static String edgeLabel(String src, String dst) {
        return "edge " + Names.quote(src) + " -> " + Names.quote(dst);
    }

    /** An edge given twice: each source's row lists a destination twice (one mark per destination). */
    private static void reportDuplicateEdges(List<NodeSpec> nodes, RunGraph.Adjacency down, List<String> problems) {
        int[] lastSource = new int[nodes.size()];
        Arrays.fill(lastSource, -1);
        for (int s = 0; s < nodes.size(); s++) {
            for (int i = down.start(s); i < down.end(s); i++) {
                int d = down.target(i);
                if (lastSource[d] == s) {
                    problems.add(edgeLabel(nodes.get(s).name(), nodes.get(d).name()) + " is a duplicate edge");
                }
                lastSource[d] = s;
            }
        }
    }

    /** The cycle's names in order; a long cycle by its first nodes and its length. */
    private static String describeCycle(List<String> cycle) {
        var shown = cycle.size() <= MAX_CYCLE_SHOWN
                ? cycle
                : java.util.stream.Stream.concat(
                                cycle.subList(0, MAX_CYCLE_SHOWN).stream(),
                                java.util.stream.Stream.of("... (" + (cycle.size() - 1) + " nodes)", cycle.getLast()))
                        .toList();
        return String.join(
                " -> ",
                shown.stream()
                        .map(n -> Names.isName(n) || n.startsWith("... (") ? n : Names.quote(n))
                        .toList());
    }

    /** One cycle, as node names in edge order with the first repeated at the end, if any exists. */
    static Optional<List<String>> findCycle(GraphSpec spec) {
        var nodes = spec.nodes();
        var positions = new HashMap<String, Integer>();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).name() != null) {
                positions.putIfAbsent(nodes.get(i).name(), i);
            }
        }
        int[] sources = new int[spec.edges().size()];
        int[] destinations = new int[spec.edges().size()];
        int used = 0;
        for (var e : spec.edges()) {
            Integer s = positions.get(e.source());
            Integer d = positions.get(e.destination());
            if (s != null && d != null) {
                sources[used] = s;
                destinations[used] = d;
                used++;
            }
        }
        return findCycle(
                nodes,
                RunGraph.Adjacency.of(nodes.size(), sources, destinations, used),
                RunGraph.Adjacency.of(nodes.size(), destinations, sources, used));
    }

    /**
     * One cycle among the edges {@code down} (and the same reversed, {@code up}) between the nodes
     * at their positions, as node names in edge order with the first repeated at the end, if any
     * exists. Kahn's algorithm on positions: a start of 100,000 nodes checks 200,000 edges without
     * a map update per edge.
     */
    private static Optional<List<String>> findCycle(
            List<NodeSpec> nodes, RunGraph.Adjacency down, RunGraph.Adjacency up) {
        int count = nodes.size();
        int[] indegree = new int[count];
        for (int n = 0; n < count; n++) {
            indegree[n] = up.end(n) - up.start(n);
        }
        int[] queue = new int[count];
        int head = 0;
        int tail = 0;
        for (int n = 0; n < count; n++) {
            if (indegree[n] == 0) {
                queue[tail++] = n;
            }
        }
        while (head < tail) {
            int n = queue[head++];
            for (int i = down.start(n); i < down.end(n); i++) {
                if (--indegree[down.target(i)] == 0) {
                    queue[tail++] = down.target(i);
                }
            }
        }
        if (tail == count) {
            return Optional.empty();
        }
        // Every node left has a predecessor that is also left: from the first one left, walk the
        // first predecessor left (in edge order) until one repeats.
        int current = 0;
        while (indegree[current] == 0) {
            current++;
        }
        var path = new ArrayList<String>();
        var seenAt = new HashMap<Integer, Integer>();
        while (!seenAt.containsKey(current)) {
            seenAt.put(current, path.size());
            path.add(nodes.get(current).name());
            int next = -1;
            for (int i = up.start(current); i < up.end(current) && next < 0; i++) {
                if (indegree[up.target(i)] > 0) {
                    next = up.target(i);
                }
            }
            current = next;
        }
        var cycle = new ArrayList<>(path.subList(seenAt.get(current), path.size()));
        Collections.reverse(cycle);
        cycle.add(cycle.getFirst());
        return Optional.of(cycle);
    }
}
