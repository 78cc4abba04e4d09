package io.adagio.memory;

import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.repository.Subscription;
import java.util.EnumMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the memory repository knows across runs without scanning them: how many nodes are in each
 * status, and which runs have nodes READY, orphaned or being cancelled right now, so that a new
 * subscriber is told about those nodes in O(such runs and nodes). Kept in step with every node's
 * change of state ({@link #track}, under the run's lock); thread-safe.
 *
 * <p>The nodes themselves are marked in their run ({@link MemoryRun.Marks}, bits by position): a
 * node's every claim and readiness used to put and remove an entry in a map shared by all runs,
 * under its run's lock, which every other step of the run waited for.
 */
final class NodeIndex {
    private final EnumMap<NodeStatus, LongAdder> counts = new EnumMap<>(NodeStatus.class);
    /**
     * Runs that may have marked nodes: a run joins when it gets its first mark, and leaves when a
     * replay finds it has none left, or when it is deleted. Changed only under the run's lock.
     */
    private final Set<MemoryRun> marked = ConcurrentHashMap.newKeySet();

    NodeIndex() {
        for (var status : NodeStatus.values()) {
            counts.put(status, new LongAdder());
        }
    }

    /**
     * The change of state of the node at {@code position}, from {@code before} (null for a new node)
     * to {@code after}. Under the run's lock.
     */
    void track(MemoryRun run, int position, NodeState before, NodeState after) {
        boolean wasCancelling = before != null && before.cancelRequested();
        NodeStatus from = before == null ? null : before.status();
        NodeStatus to = after.status();
        if (wasCancelling == after.cancelRequested() && from == to) {
            return;
        }
        var marks = run.marks;
        int p = position;
        if (wasCancelling != after.cancelRequested()) {
            marks.cancelling.set(p, after.cancelRequested());
        }
        if (from != to) {
            if (from != null) {
                counts.get(from).decrement();
                marks.of(from, p, false);
            }
            counts.get(to).increment();
            marks.of(to, p, true);
        }
        if (!marks.indexed && !marks.isEmpty()) {
            marks.indexed = true;
            marked.add(run);
        }
    }

    /** A deleted run: its nodes leave the counts, and none of them is offered again. Under the run's lock. */
    void forget(MemoryRun run) {
        run.forEachState(state -> counts.get(state.status()).decrement());
        marked.remove(run);
        run.marks.indexed = false;
    }

    /** Offers a new subscriber what it wants of what holds now. */
    void replay(Subscription subscription, Set<Event.Type> wanted) {
        for (var run : marked) {
            run.lock.lock();
            try {
                if (run.deleted) {
                    continue;
                }
                var marks = run.marks;
                if (marks.isEmpty()) {
                    marked.remove(run);
                    marks.indexed = false;
                    continue;
                }
                var specs = run.graph.nodes();
                if (wanted.contains(Event.Type.NODE_READY)) {
                    marks.ready.stream()
                            .forEach(p -> subscription.offer(Event.ready(
                                    run.id, specs.get(p), run.state(p).notBefore())));
                }
                if (wanted.contains(Event.Type.NODE_ORPHANED)) {
                    marks.orphaned.stream().forEach(p -> subscription.offer(Event.orphaned(run.id, specs.get(p))));
                }
                if (wanted.contains(Event.Type.NODE_CANCELLED)) {
                    marks.cancelling.stream()
                            .forEach(p -> subscription.offer(Event.cancelled(
                                    run.id, specs.get(p), run.state(p).claim().id())));
                }
            } finally {
                run.lock.unlock();
            }
        }
    }

    Stats.NodeCounts counts() {
        return new Stats.NodeCounts(
                counts.get(NodeStatus.WAITING).sum(),
                counts.get(NodeStatus.READY).sum(),
                counts.get(NodeStatus.RUNNING).sum(),
                counts.get(NodeStatus.COMPLETED).sum(),
                counts.get(NodeStatus.NONE).sum());
    }
}
