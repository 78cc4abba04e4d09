package io.adagio.client;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a user wants to know about a run at a glance: how far it got and how it ended.
 *
 * @param done       nodes completed (succeeded, failed for good, cancelled, or unreached)
 * @param total      nodes in the run
 * @param running    nodes being executed now
 * @param outcome    how the run stands overall
 * @param conclusion the run's conclusion: NONE until it is completed; then the server's (SUCCESS,
 *                   FAIL, ERROR or CANCELLED), or, from a server that sends none, one derived from
 *                   the nodes by the same rule
 * @param failed     completed nodes that concluded FAIL or ERROR, in spec order
 * @param cancelled  completed nodes that concluded CANCELLED (stopped, or never started), in spec order
 * @param unreached  completed nodes that never ran because something upstream failed, in spec order
 * @param createdAt  when the run was created
 * @param finishedAt when the last node completed, null while the run is not completed
 */
public record RunSummary(
        int done,
        int total,
        int running,
        Outcome outcome,
        Conclusion conclusion,
        List<Node> failed,
        List<Node> cancelled,
        List<Node> unreached,
        Instant createdAt,
        Instant finishedAt) {

    /** How a run stands overall, derived from its status and conclusion. */
    public enum Outcome {
        /** Nothing has failed yet and some nodes have not completed. */
        PENDING,
        /** A node has failed for good, or was cancelled; other nodes may still be running. */
        FAILING,
        /** The run completed and succeeded. */
        SUCCEEDED,
        /** The run completed with conclusion FAIL or ERROR. */
        FAILED,
        /** The run completed with conclusion CANCELLED. */
        CANCELLED
    }

    public RunSummary {
        failed = List.copyOf(failed);
        cancelled = List.copyOf(cancelled);
        unreached = List.copyOf(unreached);
    }

    public static RunSummary of(Run run) {
        Objects.requireNonNull(run, "run");
        int done = 0;
        int running = 0;
        var failed = new java.util.ArrayList<Node>();
        var cancelled = new java.util.ArrayList<Node>();
        var unreached = new java.util.ArrayList<Node>();
        Instant finishedAt = null;
        for (var node : run.nodes()) {
            if (node.status() == NodeStatus.RUNNING) {
                running++;
            }
            if (node.status() != NodeStatus.COMPLETED) {
                continue;
            }
            done++;
            switch (conclusionOf(node)) {
                case FAIL, ERROR -> failed.add(node);
                case CANCELLED -> cancelled.add(node);
                case NONE -> unreached.add(node);
                case SUCCESS -> {}
            }
            if (node.finishedAt() != null
                    && (finishedAt == null || node.finishedAt().isAfter(finishedAt))) {
                finishedAt = node.finishedAt();
            }
        }
        boolean complete =
                run.status() == RunStatus.COMPLETED || (done == run.nodes().size() && done > 0);
        Conclusion conclusion = !complete
                ? Conclusion.NONE
                : run.conclusion() != Conclusion.NONE ? run.conclusion() : derived(failed, cancelled, unreached);
        Outcome outcome = switch (conclusion) {
            case SUCCESS -> Outcome.SUCCEEDED;
            case FAIL, ERROR -> Outcome.FAILED;
            case CANCELLED -> Outcome.CANCELLED;
            case NONE ->
                failed.isEmpty() && cancelled.isEmpty() && unreached.isEmpty() ? Outcome.PENDING : Outcome.FAILING;
        };
        return new RunSummary(
                done,
                run.nodes().size(),
                running,
                outcome,
                conclusion,
                failed,
                cancelled,
                unreached,
                run.createdAt(),
                complete ? finishedAt : null);
    }

    /**
     * What a completed node came to: its own conclusion, or, from a server that sends none, its
     * last attempt's (NONE without one: unreached).
     */
    public static Conclusion conclusionOf(Node node) {
        if (node.status() != NodeStatus.COMPLETED) {
            return Conclusion.NONE;
        }
        return node.conclusion() != Conclusion.NONE ? node.conclusion() : node.lastConclusion();
    }

    /** The run's conclusion by the server's rule, for a server that sends none. */
    private static Conclusion derived(List<Node> failed, List<Node> cancelled, List<Node> unreached) {
        if (!cancelled.isEmpty()) {
            return Conclusion.CANCELLED;
        }
        if (failed.stream().anyMatch(n -> conclusionOf(n) == Conclusion.ERROR)) {
            return Conclusion.ERROR;
        }
        // Unreached nodes without a failed one cannot happen; count them as a failure all the same.
        return failed.isEmpty() && unreached.isEmpty() ? Conclusion.SUCCESS : Conclusion.FAIL;
    }

    public boolean completed() {
        return conclusion != Conclusion.NONE;
    }

    /** True only when the run completed and succeeded. */
    public boolean succeeded() {
        return conclusion == Conclusion.SUCCESS;
    }

    /** From creation to the last node's completion, or to {@code now} while the run goes on. */
    public Duration duration(Instant now) {
        if (createdAt == null || (completed() && finishedAt == null)) {
            return Duration.ZERO;
        }
        Instant end = finishedAt != null ? finishedAt : now;
        return end.isBefore(createdAt) ? Duration.ZERO : Duration.between(createdAt, end);
    }
}
