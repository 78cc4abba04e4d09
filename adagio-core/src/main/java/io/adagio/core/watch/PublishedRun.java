package io.adagio.core.watch;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RunUpdate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A watched run as its feed last published it, once per tick: what every watcher is sent. The
 * update of the last tick and the snapshot at the last tick are made once and handed to every
 * watcher that wants them, the same object to each, so that what is sent can be encoded once too.
 * A watcher that fell behind by more than a tick (or resumed) gets the latest state of each node
 * changed since its position, made once per tick for all the watchers at that position.
 *
 * <p>Not thread-safe: guarded by its feed's lock.
 */
final class PublishedRun {
    /** How many positions behind the last tick keep their catch-up update until the next one. */
    private static final int KEPT = 16;

    private final Run base;
    private final Node[] nodes;
    /** The sequence of each node's last published change; exact after the feed's {@code exactSince}. */
    private final long[] changedAt;

    private long sequence;
    private boolean cancelled;
    private int completed;
    private int started;
    private boolean startedBefore;

    /** The update of the last tick, from {@link #lastFrom} to {@link #sequence}; null before the first. */
    private RunUpdate.Changes last;

    private long lastFrom = -1;
    /** The whole run at {@link #sequence}, made on first demand after each tick. */
    private RunUpdate.Snapshot snapshot;

    /** Since-updates made since the last tick, by the position they start from (the most recent few). */
    private final LinkedHashMap<Long, RunUpdate.Changes> caughtUp = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, RunUpdate.Changes> eldest) {
            return size() > KEPT;
        }
    };

    PublishedRun(Run run, boolean cancelled, long sequence, long[] changedAt) {
        this.base = run;
        this.nodes = run.nodes().toArray(Node[]::new);
        this.changedAt = changedAt.clone();
        this.sequence = sequence;
        this.cancelled = cancelled;
        this.startedBefore = run.status() != RunStatus.WAITING;
        for (var node : nodes) {
            count(node, 1);
        }
    }

    long sequence() {
        return sequence;
    }

    /**
     * One tick: the nodes marked in {@code changed} take their state from {@code live} (as of
     * {@code liveSequence}). Returns the tick's update, or null when no node changed (a cancel mark
     * alone is taken, not sent: it shows only in the conclusion, which only a node's change can
     * bring).
     */
    RunUpdate.Changes publish(
            BitSet changed, Node[] live, long[] liveChangedAt, long liveSequence, boolean liveCancelled) {
        if (liveCancelled != cancelled) {
            cancelled = liveCancelled;
            snapshot = null;
            caughtUp.clear();
        }
        if (changed.isEmpty()) {
            return null;
        }
        var list = new ArrayList<Node>(changed.cardinality());
        for (int i = changed.nextSetBit(0); i >= 0; i = changed.nextSetBit(i + 1)) {
            count(nodes[i], -1);
            nodes[i] = live[i];
            count(live[i], 1);
            changedAt[i] = liveChangedAt[i];
            list.add(live[i]);
        }
        lastFrom = sequence;
        sequence = Math.max(sequence, liveSequence);
        var status = status();
        last = new RunUpdate.Changes(list, status, conclusion(status), sequence);
        snapshot = null;
        caughtUp.clear();
        return last;
    }

    /** The whole run as published: the same object for every watcher until the next tick. */
    RunUpdate.Snapshot snapshot() {
        if (snapshot == null) {
            var status = status();
            snapshot = new RunUpdate.Snapshot(
                    new Run(
                            base.id(),
                            base.createdAt(),
                            Arrays.asList(nodes),
                            base.edges(),
                            status,
                            conclusion(status)),
                    sequence);
        }
        return snapshot;
    }

    /**
     * What changed after {@code position} (a sequence this feed published, or one a watch resumed
     * after): the last tick's update itself when the watcher took the one before it, else the
     * latest state of each node changed since. Empty changes when nothing did.
     */
    RunUpdate.Changes since(long position) {
        if (last != null && position == lastFrom) {
            return last;
        }
        var made = caughtUp.get(position);
        if (made == null) {
            var list = new ArrayList<Node>();
            for (int i = 0; i < nodes.length; i++) {
                if (changedAt[i] > position) {
                    list.add(nodes[i]);
                }
            }
            var status = status();
            made = new RunUpdate.Changes(list, status, conclusion(status), sequence);
            caughtUp.put(position, made);
        }
        return made;
    }

    private void count(Node node, int delta) {
        completed += node.status() == NodeStatus.COMPLETED ? delta : 0;
        // As the backends count it: a node has started once it ran, or was marked when it completed.
        started += node.startedAt() != null
                        || node.status() == NodeStatus.RUNNING
                        || !node.attempts().isEmpty()
                ? delta
                : 0;
        // A run that has started stays started (a rerun resets nodes, not the run's status).
        startedBefore |= started > 0;
    }

    private RunStatus status() {
        return Protocol.runStatus(nodes.length, completed, startedBefore || started > 0);
    }

    /** Looks at the nodes only once the run is COMPLETED, which ends every watch. */
    private Conclusion conclusion(RunStatus status) {
        return Run.conclusionOf(status, cancelled, Arrays.asList(nodes));
    }
}
