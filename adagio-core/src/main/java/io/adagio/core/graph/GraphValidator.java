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
import java.util.Set;
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
        findCycle(spec.nodes(), usableEdges)
                .ifPresent(cycle -> problems.add("the graph has a cycle: " + describeCycle(cycle)));
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

    private void checkNode(NodeSpec node, int index, Set<String> names, List<String> problems) {
        String name = node.name() == null ? "" : node.name();
        // Made only for a message: quoting every node's name cost a 100,000-node start dearly.
        Supplier<String> label = () -> name.isEmpty() ? "node #" + (index + 1) : "node " + Names.quote(name);
        if (name.isEmpty()) {
            problems.add(label.get() + " has an empty name");
        } else if (!Names.isName(name)) {
            // Names become key segments in stores, so they are restricted to a safe alphabet.
            problems.add(label.get() + " has an invalid name: a name is " + Names.NAME_RULE);
        } else if (!names.add(name)) {
            problems.add(label.get() + ": duplicate name, node names must be unique");
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

    private static boolean checkEdge(Edge edge, Set<String> names, Set<Edge> seen, List<String> problems) {
        boolean usable = true;
        String src = edge.source() == null ? "" : edge.source();
        String dst = edge.destination() == null ? "" : edge.destination();
        // Made only for a message, as a node's label.
        Supplier<String> label = () -> "edge " + Names.quote(src) + " -> " + Names.quote(dst);
        if (!names.contains(src)) {
            problems.add(label.get() + ": source " + Names.quote(src) + " is not a node of the graph");
            usable = false;
        }
        if (!names.contains(dst)) {
            problems.add(label.get() + ": destination " + Names.quote(dst) + " is not a node of the graph");
            usable = false;
        }
        if (src.equals(dst) && !src.isEmpty()) {
            problems.add(label.get() + " is a self-loop: a node cannot depend on itself (a cycle)");
            usable = false;
        }
        if (!seen.add(edge.source() != null && edge.destination() != null ? edge : new Edge(src, dst))) {
            problems.add(label.get() + " is a duplicate edge");
            usable = false;
        }
        return usable;
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
        return findCycle(spec.nodes(), spec.edges());
    }

    /**
     * One cycle among {@code edges} between {@code nodes} (an edge naming no node is left out), as
     * node names in edge order with the first repeated at the end, if any exists. Kahn's algorithm on
     * node positions: a start of 100,000 nodes checks 200,000 edges without a map update per edge.
     */
    static Optional<List<String>> findCycle(List<NodeSpec> nodes, List<Edge> edges) {
        var position = new HashMap<String, Integer>(nodes.size() * 2);
        var names = new ArrayList<String>(nodes.size());
        for (var n : nodes) {
            // A nameless node is reported elsewhere and has no edges.
            if (n.name() != null && position.putIfAbsent(n.name(), names.size()) == null) {
                names.add(n.name());
            }
        }
        int count = names.size();
        int[] sources = new int[edges.size()];
        int[] destinations = new int[edges.size()];
        int used = 0;
        for (var e : edges) {
            Integer s = position.get(e.source());
            Integer d = position.get(e.destination());
            if (s != null && d != null) {
                sources[used] = s;
                destinations[used] = d;
                used++;
            }
        }
        var down = Adjacency.of(count, sources, destinations, used);
        var up = Adjacency.of(count, destinations, sources, used);
        int[] indegree = new int[count];
        for (int i = 0; i < used; i++) {
            indegree[destinations[i]]++;
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
            path.add(names.get(current));
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

    /** Edges by their first end, in the order given (compressed rows: offsets into one array). */
    private record Adjacency(int[] offsets, int[] targets) {
        static Adjacency of(int count, int[] from, int[] to, int edges) {
            int[] offsets = new int[count + 1];
            for (int i = 0; i < edges; i++) {
                offsets[from[i] + 1]++;
            }
            for (int n = 0; n < count; n++) {
                offsets[n + 1] += offsets[n];
            }
            int[] fill = Arrays.copyOf(offsets, count);
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
}
