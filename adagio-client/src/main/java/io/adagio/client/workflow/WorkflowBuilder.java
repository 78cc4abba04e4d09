package io.adagio.client.workflow;

import io.adagio.client.AdagioClient;
import io.adagio.core.graph.GraphValidator;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RetryRule.Backoff;
import io.adagio.core.model.Run;
import io.adagio.core.repository.RepositoryException;
import io.adagio.wire.GraphSpecJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a workflow in Java: nodes with typed runtime calls, the dependencies between them, upstream
 * outputs mapped onto arguments, and retry rules. {@link #build()} gives the validated graph spec,
 * {@link #start(AdagioClient)} starts a run of it.
 *
 * <p>The seven-node example: {@code a} and {@code b} start at once; {@code c} needs {@code a};
 * {@code d} needs {@code a} and {@code b}; {@code f} needs {@code b}; {@code e} needs {@code c} and
 * {@code d}; and {@code g}, a program run by the {@code exec} runtime, needs {@code e} and {@code f}
 * and gets {@code e}'s output as its arguments:
 *
 * <pre>{@code
 * var workflow = new WorkflowBuilder();
 * var a = workflow.node("a", Debug.success());
 * var b = workflow.node("b", Debug.success().sleep(Duration.ofMillis(100)));
 * var c = workflow.node("c", Debug.success()).dependsOn(a);
 * var d = workflow.node("d", Debug.success().chance(0.1, Debug.Chance.FAIL))
 *         .dependsOn(a, b)
 *         .retryOnFail(3);                      // up to 3 attempts that fail, the first included
 * var f = workflow.node("f", Debug.success()).dependsOn(b);
 * var e = workflow.node("e", Debug.success()).dependsOn(c, d);
 * workflow.node("g", Exec.command("echo").args("done:"))
 *         .dependsOn(f)
 *         .input("args", e)                     // adagio.inputs.exec.args = ["e"], and the edge e -> g
 *         .retryOnError(2);
 * workflow.node("upload", Exec.command("./upload.sh"))
 *         .dependsOn("g")
 *         .timeout(Duration.ofMinutes(5))       // an attempt running longer is stopped: ERROR
 *         .retryOn(RetryCondition.ERROR, 4, Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(1)));
 *
 * GraphSpec spec = workflow.build();            // validated: a cycle or a dangling edge is refused
 * try (var client = AdagioClient.connect("localhost:7890")) {
 *     Run run = workflow.start(client);
 *     Run done = client.awaitCompletion(run.id(), Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * <p>Nodes keep the order they were added in; edges keep the order in which dependencies were
 * declared. A dependency may name a node added later. Not thread-safe.
 */
public final class WorkflowBuilder {
    private final List<NodeBuilder> nodes = new ArrayList<>();
    private final LinkedHashSet<Edge> edges = new LinkedHashSet<>();
    private final GraphValidator validator;

    public WorkflowBuilder() {
        this(new GraphValidator());
    }

    /** A builder whose {@link #build()} validates with {@code validator} (for non-default limits). */
    public WorkflowBuilder(GraphValidator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    /** Adds a node named {@code name} that makes {@code call}; configure it through the returned builder. */
    public NodeBuilder node(String name, RuntimeCall call) {
        var node = new NodeBuilder(this, name, Objects.requireNonNull(call, "call"));
        nodes.add(node);
        return node;
    }

    /**
     * The graph spec, validated with the same rules the server applies.
     *
     * @throws InvalidWorkflowException naming every problem (a cycle with its nodes, a dependency on
     *                                  a node that does not exist, duplicate names, ...) or a size limit
     */
    public GraphSpec build() {
        var spec = new GraphSpec(nodes.stream().map(NodeBuilder::spec).toList(), List.copyOf(edges));
        try {
            validator.validate(spec);
        } catch (RepositoryException.InvalidSpec e) {
            throw new InvalidWorkflowException(e.getMessage(), e.problems(), e);
        } catch (RepositoryException.LimitExceeded e) {
            throw new InvalidWorkflowException(e.getMessage(), List.of(e.getMessage()), e);
        }
        return spec;
    }

    /** The validated spec as JSON, in the format {@code adagio runs start FILE} reads. */
    public String toJson() {
        return GraphSpecJson.print(build());
    }

    /** Builds the spec and starts a run of it. */
    public Run start(AdagioClient client) {
        return client.start(build());
    }

    void addEdge(String source, String destination) {
        edges.add(new Edge(source, destination));
    }

    /** One node of the workflow. Every method returns this builder, for chaining. */
    public static final class NodeBuilder {
        private final WorkflowBuilder workflow;
        private final String name;
        private final RuntimeCall call;
        private final Map<String, List<String>> extraMetadata = new LinkedHashMap<>();
        private final Map<String, List<String>> inputs = new LinkedHashMap<>();
        private final Map<String, RetryRule> retry = new LinkedHashMap<>();
        private Duration timeout;

        private NodeBuilder(WorkflowBuilder workflow, String name, RuntimeCall call) {
            this.workflow = workflow;
            this.name = name;
            this.call = call;
        }

        public String name() {
            return name;
        }

        /** This node runs after each of {@code upstream} succeeded. */
        public NodeBuilder dependsOn(NodeBuilder... upstream) {
            for (var node : upstream) {
                workflow.addEdge(node.name, name);
            }
            return this;
        }

        /** This node runs after each named node succeeded (a node that may be added later). */
        public NodeBuilder dependsOn(String... upstream) {
            for (var node : upstream) {
                workflow.addEdge(node, name);
            }
            return this;
        }

        /**
         * Feeds the output of {@code upstream} into this node's argument {@code argument}
         * ({@code adagio.inputs.<runtime>.<argument>}), and makes this node depend on it.
         * Mapping several upstream nodes onto one argument passes their outputs in that order.
         */
        public NodeBuilder input(String argument, NodeBuilder upstream) {
            return input(argument, upstream.name);
        }

        /** Like {@link #input(String, NodeBuilder)}, naming the upstream node. */
        public NodeBuilder input(String argument, String upstream) {
            if (argument == null || argument.isBlank()) {
                throw new IllegalArgumentException("node \"" + name + "\": an input needs an argument name");
            }
            inputs.computeIfAbsent(argument, k -> new ArrayList<>()).add(upstream);
            workflow.addEdge(upstream, name);
            return this;
        }

        /** Allows up to {@code maxAttempts} attempts that end in FAIL (the work reported failure), the first included. */
        public NodeBuilder retryOnFail(int maxAttempts) {
            return retry(RetryCondition.FAIL, maxAttempts);
        }

        /** Allows up to {@code maxAttempts} attempts that end in ERROR (a system error), the first included. */
        public NodeBuilder retryOnError(int maxAttempts) {
            return retry(RetryCondition.ERROR, maxAttempts);
        }

        public NodeBuilder retry(RetryCondition condition, int maxAttempts) {
            retry.put(condition.key(), RetryRule.maxAttempts(maxAttempts));
            return this;
        }

        /**
         * Allows up to {@code maxAttempts} attempts that end in {@code condition}, the first included,
         * each further one waiting out {@code backoff} after the previous one finished (any agent
         * takes it when it is due).
         */
        public NodeBuilder retryOn(RetryCondition condition, int maxAttempts, Backoff backoff) {
            retry.put(condition.key(), new RetryRule(maxAttempts, Objects.requireNonNull(backoff, "backoff")));
            return this;
        }

        /**
         * Bounds each attempt: one still running after {@code limit} is stopped by its agent (an
         * {@code exec} program's process group gets SIGTERM, then SIGKILL) and ends in ERROR, "timed
         * out after ...", so that the error retry rule applies.
         */
        public NodeBuilder timeout(Duration limit) {
            this.timeout = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** Any other metadata entry, written as given (for agents or runtimes that read their own keys). */
        public NodeBuilder metadata(String key, String... values) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("node \"" + name + "\": a metadata entry needs a key");
            }
            extraMetadata.put(key, List.of(values));
            return this;
        }

        NodeSpec spec() {
            var metadata = new LinkedHashMap<String, List<String>>();
            call.arguments()
                    .forEach((arg, values) -> metadata.put("adagio.arguments." + call.runtime() + "." + arg, values));
            inputs.forEach((arg, upstream) -> metadata.put("adagio.inputs." + call.runtime() + "." + arg, upstream));
            metadata.putAll(extraMetadata);
            return new NodeSpec(name, call.runtime(), metadata, retry, timeout);
        }
    }
}
