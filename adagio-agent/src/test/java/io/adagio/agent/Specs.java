package io.adagio.agent;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Graph specs for tests, written compactly. */
final class Specs {
    private final List<NodeSpec> nodes = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();

    static Specs graph() {
        return new Specs();
    }

    static NodeBuilder task(String name, String runtime) {
        return new NodeBuilder(name, runtime);
    }

    Specs with(NodeBuilder... more) {
        for (var n : more) {
            nodes.add(n.build());
        }
        return this;
    }

    Specs edge(String source, String destination) {
        edges.add(new Edge(source, destination));
        return this;
    }

    GraphSpec build() {
        return new GraphSpec(nodes, edges);
    }

    /** A single-node graph. */
    static GraphSpec single(NodeBuilder node) {
        return graph().with(node).build();
    }

    /**
     * Seven nodes, two roots: a→c, a→d, b→d, b→f, c→e, d→e, e→g, f→g. {@code d} is configured by the
     * caller; {@code g} runs {@code exec} and prints a line.
     */
    static GraphSpec sevenNodes(NodeBuilder d) {
        return graph().with(
                        task("a", "debug"),
                        task("b", "debug"),
                        task("c", "debug"),
                        d,
                        task("e", "debug"),
                        task("f", "debug"),
                        task("g", "exec").arg("exec", "command", "echo").arg("exec", "args", "all", "done"))
                .edge("a", "c")
                .edge("a", "d")
                .edge("b", "d")
                .edge("b", "f")
                .edge("c", "e")
                .edge("d", "e")
                .edge("e", "g")
                .edge("f", "g")
                .build();
    }

    static final class NodeBuilder {
        private final String name;
        private final String runtime;
        private final Map<String, List<String>> metadata = new LinkedHashMap<>();
        private final Map<String, RetryRule> retry = new LinkedHashMap<>();
        private Duration timeout;

        NodeBuilder(String name, String runtime) {
            this.name = name;
            this.runtime = runtime;
        }

        /** {@code adagio.arguments.<runtime>.<argument>}. */
        NodeBuilder arg(String runtime, String argument, String... values) {
            return meta("adagio.arguments." + runtime + "." + argument, values);
        }

        /** {@code adagio.inputs.<runtime>.<argument>}. */
        NodeBuilder input(String runtime, String argument, String upstream) {
            return meta("adagio.inputs." + runtime + "." + argument, upstream);
        }

        NodeBuilder meta(String key, String... values) {
            metadata.put(key, List.of(values));
            return this;
        }

        NodeBuilder retry(String condition, int maxAttempts) {
            retry.put(condition, RetryRule.maxAttempts(maxAttempts));
            return this;
        }

        NodeBuilder retry(String condition, int maxAttempts, RetryRule.Backoff backoff) {
            retry.put(condition, RetryRule.maxAttempts(maxAttempts).withBackoff(backoff));
            return this;
        }

        NodeBuilder timeout(Duration limit) {
            timeout = limit;
            return this;
        }

        NodeSpec build() {
            return new NodeSpec(name, runtime, metadata, retry).withTimeout(timeout);
        }
    }
}
