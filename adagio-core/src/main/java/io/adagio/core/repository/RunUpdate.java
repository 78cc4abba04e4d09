package io.adagio.core.repository;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link RunWatch} delivers: first the whole run ({@link Snapshot}), then each time the nodes
 * that changed since the update before ({@link Changes}), with the run's status and conclusion.
 *
 * <p>{@link #sequence()} is the backend's position in the run's history after this update (an etcd
 * revision, a counter in memory): a watcher that lost its stream asks to resume after it, and
 * receives every node changed since.
 */
public sealed interface RunUpdate {
    long sequence();

    RunStatus status();

    Conclusion conclusion();

    /** Whether the run is COMPLETED: the last update a watch delivers. */
    default boolean completed() {
        return status() == RunStatus.COMPLETED;
    }

    /** The whole run, as it was at {@code sequence}. */
    record Snapshot(Run run, long sequence) implements RunUpdate {
        public Snapshot {
            Objects.requireNonNull(run, "run");
        }

        @Override
        public RunStatus status() {
            return run.status();
        }

        @Override
        public Conclusion conclusion() {
            return run.conclusion();
        }
    }

    /**
     * The nodes changed since the previous update, each as it is at {@code sequence} (a node that
     * changed several times is here once, in its latest state), and the run's status and conclusion.
     * Nodes are in the run's order. May hold no node (a resumed watch whose run did not change).
     */
    record Changes(List<Node> nodes, RunStatus status, Conclusion conclusion, long sequence) implements RunUpdate {
        public Changes {
            nodes = List.copyOf(nodes);
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(conclusion, "conclusion");
        }
    }
}
