package io.adagio.core.watch;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.util.ArrayList;
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
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watched run as this process follows it, shared by every watcher of the run here. The backend
 * feeds it a consistent snapshot ({@link #begin}) and then every change after it, in order
 * ({@link #update}), on the thread that records the change; the feed only notes the change there
 * (O(changed nodes), whatever the number of watchers) and asks for a tick. A tick, on the feeds'
 * own thread, when {@link TickPacing} says it is due, publishes what changed since the one before as one update
 * ({@link PublishedRun}) and tells the watchers that have not been told. A watcher keeps only the
 * sequence it has taken up to: one that keeps up takes each tick's update, the same object as every
 * other such watcher (so a server encodes it once for all); one that fell behind takes the latest
 * state of each node changed since, made for it. So a watcher holds O(1) however far behind it is,
 * and the store is followed once per run, not once per watcher.
 *
 * <p>Thread-safe. Watchers' callbacks are called outside the feed's lock, on the tick's thread.
 */
public final class RunFeed {
    private static final Logger LOG = LoggerFactory.getLogger(RunFeed.class);

    private final String runId;
    private final Ticks ticks;
    private final TickPacing pacing;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock; set by begin. The live state, as fed.
    private Node[] nodes;
    /** The sequence of each node's last change; exact for changes after {@link #exactSince}. */
    private long[] changedAt;

    private long exactSince;
    private Map<String, Integer> index;
    private long sequence;
    private boolean cancelled;
    /** How many nodes are COMPLETED in {@link #nodes}. */
    private int completed;
    /** Nodes changed since the last tick. */
    private BitSet pending;

    private boolean tickAsked;
    /** Which tick was asked for last: an earlier one, still scheduled, does not end the asking. */
    private long tickAskedNumber;
    /** When the asked tick is due (clock nanoseconds). */
    private long tickDue;
    /** The earliest next tick, by the last one's cost ({@link TickPacing}). */
    private long notBefore;

    private PublishedRun published;
    private RepositoryException failure;
    private final Set<Watcher> watchers = new LinkedHashSet<>();

    /**
     * @param ticks  runs the ticks (and so the watchers' callbacks): never the recording thread
     * @param pacing when ticks are due: changes in between are published together
     * @param clock  {@link System#nanoTime()}, or a test's
     */
    RunFeed(String runId, Ticks ticks, TickPacing pacing, LongSupplier clock) {
        this.runId = runId;
        this.ticks = ticks;
        this.pacing = pacing;
        this.clock = clock;
        this.notBefore = clock.getAsLong();
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
            if (published != null) {
                throw new IllegalStateException("the feed of run " + runId + " has begun already");
            }
            nodes = run.nodes().toArray(Node[]::new);
            index = new HashMap<>(nodes.length * 2);
            for (int i = 0; i < nodes.length; i++) {
                index.put(nodes[i].name(), i);
            }
            this.changedAt = changedAt == null ? new long[nodes.length] : changedAt.clone();
            this.exactSince = changedAt == null ? sequence : 0;
            this.sequence = sequence;
            this.cancelled = cancelled;
            this.completed = 0;
            for (var node : nodes) {
                completed += node.status() == NodeStatus.COMPLETED ? 1 : 0;
            }
            this.pending = new BitSet(nodes.length);
            this.published = new PublishedRun(run, cancelled, sequence, this.changedAt);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Nodes as they are after the change the backend knows as {@code sequence} (later than every
     * sequence fed before), and whether the run is cancelled then. Nodes the run does not have are
     * ignored. Costs the caller the nodes' bookkeeping, never the watchers'.
     */
    public void update(long sequence, Collection<Node> changed, boolean cancelled) {
        long tick;
        long number;
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
            tick = !changed.isEmpty() || flipped ? askTick() : -1;
            number = tickAskedNumber;
        } finally {
            lock.unlock();
        }
        scheduleTick(tick, number);
    }

    /**
     * The run read again at {@code sequence}, after the backend lost track of its changes for a
     * while (a watch of the store broke): every node whose state differs from what the feed holds
     * is taken as changed.
     */
    public void resync(Run run, boolean cancelled, long sequence, long[] changedAt) {
        long tick;
        long number;
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
            tick = any ? askTick() : -1;
            number = tickAskedNumber;
        } finally {
            lock.unlock();
        }
        scheduleTick(tick, number);
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
            // A new watcher starts from the run as it is, not as of the last tick: what is pending
            // is published now (the tick asked for it will tell the other watchers).
            publishPending();
            var w = new Watcher(onUpdate, onDone);
            // A watch resumes from what was published: a sequence seen from this feed, or one before it.
            if (resumeAfter > 0 && resumeAfter >= exactSince && resumeAfter <= published.sequence()) {
                w.resumed = true;
                w.position = resumeAfter;
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
        if (published == null) {
            throw new IllegalStateException("the feed of run " + runId + " has not begun");
        }
    }

    private void set(int i, Node node, long at) {
        completed +=
                (node.status() == NodeStatus.COMPLETED ? 1 : 0) - (nodes[i].status() == NodeStatus.COMPLETED ? 1 : 0);
        nodes[i] = node;
        changedAt[i] = Math.max(changedAt[i], at);
        pending.set(i);
    }

    /**
     * Under the lock, after a change: the delay of the tick to ask for, or -1 when the tick asked
     * for already will do. The change that completes the run asks for one at once, even when one
     * is asked for later (a tick with nothing new publishes nothing).
     */
    private long askTick() {
        long now = clock.getAsLong();
        boolean completes = completed == nodes.length;
        if (tickAsked && !(completes && tickDue > now)) {
            return -1;
        }
        long delay = pacing.delay(now, notBefore, (long) pending.cardinality() * watchers.size(), completes);
        tickAsked = true;
        tickAskedNumber++;
        tickDue = now + delay;
        return delay;
    }

    private void scheduleTick(long delayNanos, long number) {
        if (delayNanos >= 0) {
            ticks.after(delayNanos, () -> tick(number));
        }
    }

    /**
     * Publishes what changed since the last publication and tells the watchers that have something
     * to take and were not told yet.
     */
    private void tick(long number) {
        List<Watcher> wake = new ArrayList<>();
        lock.lock();
        try {
            long now = clock.getAsLong();
            if (number == tickAskedNumber) {
                tickAsked = false;
            }
            if (failure != null) {
                return;
            }
            // Nothing new may still be news: a watcher that attached since the change published it
            // for itself, and the others are told now.
            var update = publishPending();
            for (var w : watchers) {
                if (!w.signalled && w.position < published.sequence()) {
                    w.signalled = true;
                    wake.add(w);
                }
            }
            notBefore = pacing.notBefore(
                    now, update == null ? 0 : (long) update.nodes().size() * wake.size());
        } finally {
            lock.unlock();
        }
        wake(wake);
    }

    /** Under the lock: publishes the changes since the last publication; null when no node changed. */
    private RunUpdate.Changes publishPending() {
        var update = published.publish(pending, nodes, changedAt, sequence, cancelled);
        pending.clear();
        return update;
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

    /** One watcher: the sequence it has taken up to, and what it must take first. */
    private final class Watcher implements RunWatch {
        final Runnable onUpdate;
        final Runnable onDone;
        final AtomicBoolean done = new AtomicBoolean();
        // Guarded by the feed's lock.
        long position;
        boolean snapshotDue;
        boolean resumed;
        boolean signalled = true; // the first update is pending from the start
        boolean finished;

        Watcher(Runnable onUpdate, Runnable onDone) {
            this.onUpdate = onUpdate;
            this.onDone = onDone;
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
                    update = published.snapshot();
                } else if (resumed) {
                    // The first update of a resumed watch, even with no node: it says where the run is.
                    resumed = false;
                    update = published.since(position);
                } else if (position < published.sequence()) {
                    var changes = published.since(position);
                    // Nothing to send when what was published since changed no node after all.
                    update = changes.nodes().isEmpty() ? null : changes;
                    position = published.sequence();
                }
                if (update != null) {
                    position = update.sequence();
                    if (update.completed()) {
                        finish();
                    }
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

        /** Under the lock: no more updates. */
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
