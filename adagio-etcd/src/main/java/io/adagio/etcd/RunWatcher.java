package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import io.adagio.core.model.Node;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.watch.RunFeed;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.RunRecord;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one run in etcd for this process's watchers of it (its {@link RunFeed}): the run read at
 * a revision R, then etcd watches of its node records and its run record from R + 1, so nothing
 * falls between the two and nothing is seen twice. A node record that changes is decoded as
 * Inspect decodes it (a wide fan-in node still waiting gets its inputs from their per-edge keys,
 * outputs stored apart are read once each); a change of a node is fed with the record's mod
 * revision, which is what a watcher resumes after.
 *
 * <p>If a watch breaks for good (etcd compacted the revision it would resume from, a long outage),
 * the run is read again and every node that differs is fed as changed, then watched from there.
 * Events are handled one at a time, in order, on a background thread (reading inputs may block).
 */
final class RunWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunWatcher.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final RunReader reader;
    private final OutputReader outputs;
    /**
     * Values of the run's outputs stored apart, read once (they never change) by output key; touched
     * only by the task in progress.
     */
    private final Map<String, byte[]> values = new HashMap<>();

    private final Background background;
    private final String runId;
    private final RunFeed feed;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Bumped on each restart, so that what an old watch still delivers is dropped. */
    private final AtomicInteger generation = new AtomicInteger();

    private volatile Watch.Watcher nodes;
    private volatile Watch.Watcher record;
    private volatile boolean stopped;
    /** The run record's "cancelled" mark as last seen; touched only by the task in progress. */
    private boolean cancelled;

    private RunWatcher(
            EtcdCalls calls, Keys keys, RunReader reader, OutputReader outputs, Background background, RunFeed feed) {
        this.calls = calls;
        this.keys = keys;
        this.reader = reader;
        this.outputs = outputs;
        this.background = background;
        this.runId = feed.runId();
        this.feed = feed;
    }

    /**
     * Reads the run, begins the feed with it and watches what changes after.
     *
     * @throws RepositoryException.NotFound when the run does not exist
     */
    static RunWatcher open(
            EtcdCalls calls, Keys keys, RunReader reader, OutputReader outputs, Background background, RunFeed feed) {
        var watcher = new RunWatcher(calls, keys, reader, outputs, background, feed);
        var read = reader.read(feed.runId());
        watcher.cancelled = read.cancelled();
        feed.begin(read.run(), read.cancelled(), read.revision(), read.changedAt());
        watcher.watchFrom(read.revision() + 1);
        return watcher;
    }

    private void watchFrom(long revision) {
        if (stopped || calls.closed()) {
            return;
        }
        int gen = generation.get();
        var watch = calls.client().getWatchClient();
        nodes = watch.watch(
                bytes(keys.nodes(runId)),
                WatchOption.builder().isPrefix(true).withRevision(revision).build(),
                new Listener(gen));
        record = watch.watch(
                bytes(keys.run(runId)),
                WatchOption.builder().withRevision(revision).build(),
                new Listener(gen));
    }

    /** Handles one answer of a watch: the nodes it changed (and the run's cancel mark), fed as one change. */
    private void apply(WatchResponse response) {
        var changed = new ArrayList<Node>();
        long revision = 0;
        for (var event : response.getEvents()) {
            var kv = event.getKeyValue();
            var key = text(kv.getKey());
            if (event.getEventType() == WatchEvent.EventType.DELETE) {
                // Nodes are deleted only with their run.
                stop();
                feed.fail(RepositoryException.NotFound.run(runId));
                return;
            }
            if (event.getEventType() != WatchEvent.EventType.PUT) {
                continue;
            }
            if (key.startsWith(keys.nodes(runId))) {
                changed.add(node(kv));
            } else {
                // The run record: rewritten by a cancel (marked) and a rerun (unmarked).
                cancelled = EtcdStorage.decode(kv, RunRecord::parseFrom).getCancelled();
            }
            revision = Math.max(revision, kv.getModRevision());
        }
        if (revision != 0) {
            feed.update(revision, changed, cancelled);
        }
    }

    private Node node(KeyValue kv) {
        var stored = StoredNode.of(EtcdStorage.decode(kv, NodeRecord::parseFrom), kv.getModRevision());
        if (!stored.wideFanIn() || !stored.state().inputs().isEmpty()) {
            return resolved(RunReader.toNode(stored, null));
        }
        // Its inputs so far live under per-edge keys: read them as they were at this change.
        var prefix = keys.inputs(runId, stored.name());
        var option = GetOption.builder().isPrefix(true).withRevision(kv.getModRevision());
        Map<String, byte[]> delivered;
        try {
            delivered = FanIns.inputs(prefix, calls.get(prefix, option.build()).getKvs());
        } catch (RepositoryException e) {
            // Compacted meanwhile: the inputs as they are now are as good.
            delivered =
                    FanIns.inputs(prefix, calls.get(prefix, EtcdCalls.PREFIX).getKvs());
        }
        return resolved(RunReader.toNode(stored, delivered));
    }

    /** The node with its outputs stored apart resolved, reading only those not seen before. */
    private Node resolved(Node node) {
        var refs = outputs.refs(runId, node.attempts(), node.inputs());
        if (refs.isEmpty()) {
            return node;
        }
        refs.keySet().removeAll(values.keySet());
        values.putAll(outputs.read(runId, refs));
        return outputs.resolved(runId, node, values);
    }

    /** The watch broke: read the run again and watch from there, until that works. */
    private void restart(String why) {
        if (stopped || calls.closed()) {
            return;
        }
        LOG.info("watch of run {} broke ({}); reading the run again", runId, why);
        generation.incrementAndGet();
        closeWatches();
        enqueue(this::resync);
    }

    private void resync() {
        if (stopped || calls.closed()) {
            return;
        }
        RunReader.ReadRun read;
        try {
            read = reader.read(runId);
        } catch (RepositoryException.NotFound e) {
            stop();
            feed.fail(e);
            return;
        } catch (RepositoryException e) {
            if (!e.retryable()) {
                stop();
                feed.fail(e);
                return;
            }
            background.retryLater(() -> enqueue(this::resync));
            return;
        }
        cancelled = read.cancelled();
        feed.resync(read.run(), read.cancelled(), read.revision(), read.changedAt());
        watchFrom(read.revision() + 1);
    }

    /** Runs the task after those before it, one at a time, on a background thread. */
    private void enqueue(Runnable task) {
        tasks.add(task);
        if (draining.compareAndSet(false, true)) {
            background.execute(this::drain);
        }
    }

    private void drain() {
        do {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("following run {} failed: {}", runId, e.getMessage());
                    stop();
                    feed.fail(
                            e instanceof RepositoryException r
                                    ? r
                                    : new RepositoryException.Unavailable("following run " + runId + " failed", e));
                }
            }
            draining.set(false);
        } while (!tasks.isEmpty() && draining.compareAndSet(false, true));
    }

    private void stop() {
        stopped = true;
        closeWatches();
    }

    private void closeWatches() {
        for (var w : new Watch.Watcher[] {nodes, record}) {
            if (w != null) {
                w.close();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** A watch's answers, handled in order; an answer of an earlier watch is dropped. */
    private final class Listener implements Watch.Listener {
        private final int gen;

        Listener(int gen) {
            this.gen = gen;
        }

        @Override
        public void onNext(WatchResponse response) {
            enqueue(() -> {
                if (gen == generation.get() && !stopped) {
                    apply(response);
                }
            });
        }

        @Override
        public void onError(Throwable error) {
            enqueue(() -> {
                if (gen == generation.get()) {
                    restart(error.getMessage());
                }
            });
        }

        @Override
        public void onCompleted() {
            enqueue(() -> {
                if (gen == generation.get()) {
                    restart("it ended");
                }
            });
        }
    }
}
