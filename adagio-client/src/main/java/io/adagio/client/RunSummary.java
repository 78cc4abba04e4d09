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
 * @param done       nodes completed (succeeded, failed for good, or unreached)
 * @param total      nodes in the run
 * @param running    nodes being executed now
 * @param outcome    how the run stands overall
 * @param failed     completed nodes whose last attempt did not succeed, in spec order
 * @param unreached  completed nodes that never ran because something upstream failed, in spec order
 * @param createdAt  when the run was created
 * @param finishedAt when the last node completed, null while the run is not completed
 */
public record RunSummary(
        int done,
        int total,
        int running,
        Outcome outcome,
        List<Node> failed,
        List<Node> unreached,
        Instant createdAt,
        Instant finishedAt) {

    /** The overall conclusion of a run, derived from its nodes. */
    public enum Outcome {
        /** Nothing has failed yet and some nodes have not completed. */
        PENDING,
        /** A node has failed for good; other nodes may still be running. */
        FAILING,
        /** Every node completed and succeeded. */
        SUCCEEDED,
        /** Every node completed and at least one did not succeed. */
        FAILED
    }

    public RunSummary {
        failed = List.copyOf(failed);
        unreached = List.copyOf(unreached);
    }

    public static RunSummary of(Run run) {
        Objects.requireNonNull(run, "run");
        int done = 0;
        int running = 0;
        var failed = new java.util.ArrayList<Node>();
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
            if (node.attempts().isEmpty()) {
                unreached.add(node);
            } else if (node.lastConclusion() != Conclusion.SUCCESS) {
                failed.add(node);
            }
            if (node.finishedAt() != null
                    && (finishedAt == null || node.finishedAt().isAfter(finishedAt))) {
                finishedAt = node.finishedAt();
            }
        }
        boolean complete =
                run.status() == RunStatus.COMPLETED || (done == run.nodes().size() && done > 0);
        boolean bad = !failed.isEmpty() || !unreached.isEmpty();
        Outcome outcome =
                complete ? (bad ? Outcome.FAILED : Outcome.SUCCEEDED) : (bad ? Outcome.FAILING : Outcome.PENDING);
        return new RunSummary(
                done,
                run.nodes().size(),
                running,
                outcome,
                failed,
                unreached,
                run.createdAt(),
                complete ? finishedAt : null);
    }

    public boolean completed() {
        return outcome == Outcome.SUCCEEDED || outcome == Outcome.FAILED;
    }

    /** True only when the run completed and every node succeeded. */
    public boolean succeeded() {
        return outcome == Outcome.SUCCEEDED;
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
