package io.adagio.agent.runtime;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node function knows about the attempt it performs: the run, the node (its spec and the
 * outputs of its upstream nodes), the agent, and the signal to stop.
 */
public final class ExecutionContext {
    private final String runId;
    private final Node node;
    private final String agentId;
    private final Cancellation cancellation;

    public ExecutionContext(String runId, Node node, String agentId, Cancellation cancellation) {
        this.runId = Objects.requireNonNull(runId, "runId");
        this.node = Objects.requireNonNull(node, "node");
        this.agentId = agentId == null ? "" : agentId;
        this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    }

    /** A context outside any agent pool, for exercising a runtime directly. */
    public static ExecutionContext of(String runId, Node node) {
        return new ExecutionContext(runId, node, "", new Cancellation());
    }

    public String runId() {
        return runId;
    }

    /** The node as claimed: spec, status, previous attempts, inputs. */
    public Node node() {
        return node;
    }

    public NodeSpec spec() {
        return node.spec();
    }

    public String nodeName() {
        return node.name();
    }

    /** Which attempt at the node this is, counting from 1 (the attempts before it ended). */
    public int attempt() {
        return node.attempts().size() + 1;
    }

    /** Upstream node name to that node's output. */
    public Map<String, byte[]> inputs() {
        return node.inputs();
    }

    /** The output of upstream node {@code upstream} as UTF-8 text. */
    public Optional<String> inputText(String upstream) {
        return Optional.ofNullable(node.inputs().get(upstream)).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /** The id of the agent executing the node; empty outside an agent pool. */
    public String agentId() {
        return agentId;
    }

    /** Whether the function has been told to stop (for example because the agent shuts down). */
    public boolean isCancelled() {
        return cancellation.isCancelled();
    }

    /** Why the function was told to stop, once it was. */
    public Optional<String> cancellationReason() {
        return cancellation.reason();
    }

    /**
     * Runs {@code action} when the function is told to stop (at once if it already was), for work
     * that does not notice thread interruption: killing a child process, closing a socket.
     */
    public Cancellation.Registration onCancel(Runnable action) {
        return cancellation.onCancel(action);
    }
}
