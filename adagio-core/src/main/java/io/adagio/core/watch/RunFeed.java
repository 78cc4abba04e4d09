package io.adagio.core.watch;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watched run as this process follows it, shared by every watcher of the run here. The backend
 * feeds it a consistent snapshot ({@link #begin}) and then every change after it, in order
 * ({@link #update}); it keeps the latest state of each node. A watcher keeps only which nodes changed
 * since it last took an update (a bit per node) and reads their state from here when it takes one.
 * So a change costs each watcher O(1), a watcher holds O(nodes / 8) bytes however far behind it is,
 * and the store is followed once per run, not once per watcher.
 *
 * <p>Thread-safe. Watchers' callbacks are called outside the feed's lock, on the thread that fed the
 * change.
 */
public final class RunFeed {
    private static final Logger LOG = LoggerFactory.getLogger(RunFeed.class);

    private final String runId;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock; set by begin.
    private Run base;
    private Node[] nodes;
    /** The sequence of each node's last change; exact for changes after {@link #exactSince}. */
    private long[] changedAt;

    private long exactSince;
    private Map<String, Integer> index;
    private long sequence;
    private int completed;
    private int started;
    private boolean startedBefore;
    private boolean cancelled;
    private RepositoryException failure;
    private final Set<Watcher> watchers = new LinkedHashSet<>();

    RunFeed(String runId) {
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }

    /**
     * The run as it was at {@code sequence}: what every watcher starts from. Called once, by the
     * backend, before any {@link #update}.
     *
     * @param changedAt the sequence of each node's last change, in the run's node order, if the
     *                  backend knows it (then a watch can resume from any earlier sequence); null
     *                  if not (a watch can resume only from {@code sequence} on)
     * @param cancelled whether the run was cancelled (its conclusion will be CANCELLED)
     */
    public void begin(Run run, boolean cancelled, long sequence, long[] changedAt) {
        lock.lock();
        try {
            if (base != null) {
                throw new IllegalStateException("the feed of run " + runId + " has begun already");
            }
            base = run;
            nodes = run.nodes().toArray(Node[]::new);
            index = new HashMap<>(nodes.length * 2);
            for (int i = 0; i < nodes.length; i++) {
                index.put(nodes[i].name(), i);
                count(nodes[i], 1);
            }
            this.changedAt = changedAt == null ? new long[nodes.length] : changedAt.clone();
            this.exactSince = changedAt == null ? sequence : 0;
            this.sequence = sequence;
            this.startedBefore = run.status() != RunStatus.WAITING;
            this.cancelled = cancelled;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Nodes as they are after the change the backend knows as {@code sequence} (later than every
     * sequence fed before), and whether the run is cancelled then. Nodes the run does not have are
     * ignored.
     */
    public void update(long sequence, Collection<Node> changed, boolean cancelled) {
        List<Watcher> wake;
        lock.lock();
        try {
            requireBegun();
            for (var node : changed) {
                var i = index.get(node.name());
                if (i == null) {
                    LOG.warn("run {} has no node {}: its change is ignored", runId, node.name());
                    continue;
                }
                set(i, node, sequence);
            }
            this.sequence = Math.max(this.sequence, sequence);
            boolean flipped = this.cancelled != cancelled;
            this.cancelled = cancelled;
            wake = changed.isEmpty() && !flipped ? List.of() : toWake();
        } finally {
            lock.unlock();
        }
        wake(wake);
    }

    /**
     * The run read again at {@code sequence}, after the backend lost track of its changes for a
     * while (a watch of the store broke): every node whose state differs from what the feed holds
     * is taken as changed.
     */
    public void resync(Run run, boolean cancelled, long sequence, long[] changedAt) {
        List<Watcher> wake;
        lock.lock();
        try {
            requireBegun();
            boolean any = false;
            for (int i = 0; i < run.nodes().size(); i++) {
                var node = run.nodes().get(i);
                var at = index.get(node.name());
                if (at != null && !node.equals(nodes[at])) {
                    set(at, node, changedAt == null ? sequence : changedAt[i]);
                    any = true;
                }
            }
            if (changedAt == null) {
                // What changed before this read is known only as "before it".
                exactSince = Math.max(exactSince, sequence);
            }
            this.sequence = Math.max(this.sequence, sequence);
            any |= this.cancelled != cancelled;
            this.cancelled = cancelled;
            wake = any ? toWake() : List.of();
        } finally {
            lock.unlock();
        }
        wake(wake);
    }

    /** The run can no longer be followed (deleted, store lost): every watcher's next poll throws {@code why}. */
    public void fail(RepositoryException why) {
        List<Watcher> wake;
        lock.lock();
        try {
            if (failure != null) {
                return;
            }
            failure = why;
            wake = new ArrayList<>();
            for (var w : watchers) {
                w.signalled = true;
                wake.add(w);
            }
        } finally {
            lock.unlock();
        }
        wake(wake);
    }

    boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** A new watcher; the feed has begun. */
    RunWatch attach(long resumeAfter, Runnable onUpdate, Runnable onDone) {
        lock.lock();
        try {
            requireBegun();
            var w = new Watcher(onUpdate, onDone, nodes.length);
            if (resumeAfter > 0 && resumeAfter >= exactSince && resumeAfter <= sequence) {
                w.resumed = true;
                for (int i = 0; i < nodes.length; i++) {
                    if (changedAt[i] > resumeAfter) {
                        w.dirty.set(i);
                    }
                }
            } else {
                w.snapshotDue = true;
            }
            watchers.add(w);
            return w;
        } finally {
            lock.unlock();
        }
    }

    private void requireBegun() {
        if (base == null) {
            throw new IllegalStateException("the feed of run " + runId + " has not begun");
        }
    }

    private void set(int i, Node node, long at) {
        count(nodes[i], -1);
        nodes[i] = node;
        count(node, 1);
        changedAt[i] = Math.max(changedAt[i], at);
        for (var w : watchers) {
            w.dirty.set(i);
        }
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

    /** The watchers to tell that an update is pending: those not told since their last poll. */
    private List<Watcher> toWake() {
        List<Watcher> wake = null;
        for (var w : watchers) {
            if (!w.signalled) {
                w.signalled = true;
                if (wake == null) {
                    wake = new ArrayList<>();
                }
                wake.add(w);
            }
        }
        return wake == null ? List.of() : wake;
    }

    private static void wake(List<Watcher> watchers) {
        for (var w : watchers) {
            try {
                w.onUpdate.run();
            } catch (RuntimeException e) {
                LOG.warn("a watcher's update callback failed", e);
            }
        }
    }

    /** One watcher: which nodes changed since it last took an update, and what it must take first. */
    private final class Watcher implements RunWatch {
        final Runnable onUpdate;
        final Runnable onDone;
        final AtomicBoolean done = new AtomicBoolean();
        // Guarded by the feed's lock.
        final BitSet dirty;
        boolean snapshotDue;
        boolean resumed;
        boolean signalled = true; // the first update is pending from the start
        boolean finished;

        Watcher(Runnable onUpdate, Runnable onDone, int nodeCount) {
            this.onUpdate = onUpdate;
            this.onDone = onDone;
            this.dirty = new BitSet(nodeCount);
        }

        @Override
        public Optional<RunUpdate> poll() {
            RunUpdate update = null;
            RepositoryException failed = null;
            lock.lock();
            try {
                if (finished) {
                    return Optional.empty();
                }
                signalled = false;
                if (failure != null) {
                    failed = failure;
                    finish();
                } else if (snapshotDue) {
                    snapshotDue = false;
                    dirty.clear();
                    var status = status();
                    update = new RunUpdate.Snapshot(
                            new Run(
                                    base.id(),
                                    base.createdAt(),
                                    Arrays.asList(nodes),
                                    base.edges(),
                                    status,
                                    conclusion(status)),
                            sequence);
                } else if (resumed || !dirty.isEmpty()) {
                    resumed = false;
                    var changed = new ArrayList<Node>(dirty.cardinality());
                    for (int i = dirty.nextSetBit(0); i >= 0; i = dirty.nextSetBit(i + 1)) {
                        changed.add(nodes[i]);
                    }
                    dirty.clear();
                    var status = status();
                    update = new RunUpdate.Changes(changed, status, conclusion(status), sequence);
                }
                if (update != null && update.completed()) {
                    finish();
                }
            } finally {
                lock.unlock();
            }
            if (finished) {
                release();
            }
            if (failed != null) {
                throw failed;
            }
            return Optional.ofNullable(update);
        }

        @Override
        public boolean finished() {
            lock.lock();
            try {
                return finished;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                finish();
            } finally {
                lock.unlock();
            }
            release();
        }

        /** Under the lock: no more updates, and no more bits to keep. */
        private void finish() {
            finished = true;
            watchers.remove(this);
        }

        private void release() {
            if (done.compareAndSet(false, true)) {
                onDone.run();
            }
        }
    }
}
