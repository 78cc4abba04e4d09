package io.adagio.memory;

import io.adagio.core.graph.Limits;
import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.RunIds;
import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunWatch;
import io.adagio.core.repository.Subscription;
import io.adagio.core.repository.ValidatingRepository;
import io.adagio.core.watch.RunFeed;
import io.adagio.core.watch.RunFeeds;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process repository: every run lives in this JVM and is lost when it ends.
 *
 * <p>Concurrency: each run has its own lock, so steps on different runs proceed in parallel and
 * the steps on one run are serialised (which is what makes exactly one of many concurrent claims
 * win). The protocol rules are {@link Protocol}'s: the run is the {@link RunView} it reads, and the
 * {@link io.adagio.core.protocol.Change}s it answers with are stored as they are; a step touches
 * only the nodes it changes, and every change adjusts the global counters and the ready/orphaned
 * indexes from the node's old status to its new one, so nothing ever scans a run or all runs (but a
 * user's cancel or rerun, which reads the run it changes). Events produced by a step are offered to
 * subscriptions after the run's lock is released, and {@link Subscription#offer} never blocks, so a
 * slow subscriber holds up nobody.
 *
 * <p>Time comes from the {@link InstantSource} it is built with (the system clock by default), so a
 * test can move it on to see a retry's backoff run out.
 */
public final class MemoryRepository extends ValidatingRepository {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryRepository.class);

    private final ConcurrentHashMap<String, MemoryRun> runs = new ConcurrentHashMap<>();
    /** Runs in creation order, for ListRuns without sorting or scanning outside the window. */
    private final ConcurrentSkipListMap<RunKey, MemoryRun> byCreation = new ConcurrentSkipListMap<>();

    private final LongAdder runCount = new LongAdder();
    private final NodeIndex index = new NodeIndex();
    private final ConcurrentHashMap<Subscription, Set<Event.Type>> subscriptions = new ConcurrentHashMap<>();
    /** The runs being watched; each step of one of them is fed to its {@link RunFeed}. */
    private final RunFeeds feeds = new RunFeeds(this::follow, Duration.ofSeconds(30));
    /** Numbers the steps of watched runs, for watchers that resume after a sequence. */
    private final AtomicLong changeSequence = new AtomicLong(1);
    /** Creation times are made strictly increasing so that time order and ID order agree. */
    private final AtomicLong lastCreatedNs = new AtomicLong();

    private final InstantSource clock;
    private volatile boolean closed;

    public MemoryRepository() {
        this(Limits.DEFAULT);
    }

    public MemoryRepository(Limits limits) {
        this(limits, InstantSource.system());
    }

    /** A repository whose times (created, claimed, finished, not-before) come from {@code clock}. */
    public MemoryRepository(Limits limits, InstantSource clock) {
        super(limits);
        this.clock = clock;
    }

    @Override
    protected Run start(RunGraph graph) {
        ensureOpen();
        Instant createdAt = nextCreationTime();
        var run = new MemoryRun(RunIds.next(createdAt), createdAt, graph, limits().maxAttempts());
        var events = new ArrayList<Event>();
        Run started;
        run.lock.lock();
        try {
            runs.put(run.id, run);
            byCreation.put(run.key(), run);
            runCount.increment();
            var nodes = graph.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                var node = nodes.get(i);
                var state = NodeState.initial(graph.upstreamCount(i));
                track(run, i, null, state);
                if (state.status() == NodeStatus.READY) {
                    events.add(Event.ready(run.id, node));
                }
            }
            // The answer is taken before the roots are announced: taken after, it held the lock
            // that the agents claiming the roots were waiting for.
            started = run.snapshot();
        } finally {
            run.lock.unlock();
        }
        LOG.info(
                "started run {} with {} nodes and {} edges",
                run.id,
                graph.nodes().size(),
                graph.edges().size());
        publish(events);
        return started;
    }

    @Override
    protected Run inspect(String runId) {
        ensureOpen();
        return requireRun(runId).snapshot();
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        ensureOpen();
        NavigableMap<RunKey, MemoryRun> window = byCreation;
        if (query.startNs() != 0 && query.finishNs() != 0 && query.startNs() < query.finishNs()) {
            return List.of();
        }
        if (query.startNs() != 0) {
            window = window.headMap(new RunKey(query.startNs(), RunKey.AFTER_ANY_ID), true);
        }
        if (query.finishNs() != 0) {
            window = window.tailMap(new RunKey(query.finishNs(), RunKey.BEFORE_ANY_ID), true);
        }
        var out = new ArrayList<Run>();
        for (var run : window.descendingMap().values()) {
            if (query.limit() != 0 && out.size() >= query.limit()) {
                break;
            }
            out.add(run.snapshot());
        }
        return out;
    }

    /**
     * Removes the run from every map and index and takes its nodes out of the counters, under the
     * run's lock: a step waiting for that lock then finds the run deleted (NotFound), so nothing of
     * it comes back.
     */
    @Override
    protected void delete(String runId) {
        ensureOpen();
        var run = requireRun(runId);
        run.lock.lock();
        try {
            if (run.deleted) {
                throw RepositoryException.NotFound.run(runId);
            }
            if (run.status() != RunStatus.COMPLETED) {
                throw RepositoryException.FailedPrecondition.deleteBeforeCompletion(runId);
            }
            run.deleted = true;
            if (run.feed != null) {
                // A feed lingering for a returning watcher must not serve the deleted run.
                run.feed.fail(RepositoryException.NotFound.run(runId));
            }
            runs.remove(runId);
            byCreation.remove(run.key());
            runCount.decrement();
            index.forget(run);
        } finally {
            run.lock.unlock();
        }
        LOG.debug("deleted run {}", runId);
    }

    @Override
    protected List<RunRef> oldest(RunRef after, int limit) {
        ensureOpen();
        var window = after == null
                ? byCreation
                : byCreation.tailMap(new RunKey(Timestamps.toNanos(after.createdAt()), after.id()), false);
        var out = new ArrayList<RunRef>(Math.min(limit, 1024));
        for (var run : window.values()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new RunRef(run.id, run.createdAt));
        }
        return out;
    }

    @Override
    public Stats stats() {
        ensureOpen();
        return new Stats(runCount.sum(), index.counts());
    }

    @Override
    public List<Agent> listAgents() {
        ensureOpen();
        // One entry per agent id, even if an agent subscribed more than once.
        var agents = new LinkedHashMap<String, Agent>();
        for (var subscription : subscriptions.keySet()) {
            agents.putIfAbsent(subscription.agent().id(), subscription.agent());
        }
        return List.copyOf(agents.values());
    }

    @Override
    protected ClaimResult claim(String runId, String nodeName, Claim claim) {
        ensureOpen();
        return ClaimResult.of(step(runId, new Transition.ClaimNode(nodeName, claim, clock.instant())));
    }

    @Override
    protected Finished finish(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
        ensureOpen();
        var step = step(runId, new Transition.FinishNode(nodeName, result, claim, clock.instant(), next));
        return new Finished(step.node(), step.next());
    }

    /**
     * Drops the claim on a RUNNING node, as if its holder had lost its liveness: the node reads
     * NONE and NODE_ORPHANED is emitted. A node in any other status is left alone. The memory
     * backend has no leases (its agents live and die with its process), so only tests stand in for
     * a lost agent, through {@code MemoryLiveness}.
     *
     * @return the node as it is afterwards
     */
    Node orphan(String runId, String nodeName) {
        ensureOpen();
        return step(runId, new Transition.OrphanNode(nodeName, clock.instant())).node();
    }

    @Override
    protected Run cancel(String runId) {
        ensureOpen();
        var run = step(runId, new Transition.CancelRun(clock.instant()));
        LOG.info("cancelled run {}", runId);
        return run;
    }

    @Override
    protected Run rerun(String runId) {
        ensureOpen();
        var run = step(runId, new Transition.RerunRun(clock.instant()));
        LOG.info("rerunning run {} from its failures", runId);
        return run;
    }

    @Override
    protected Subscription register(Agent agent, Set<Event.Type> wanted) {
        ensureOpen();
        var holder = new Subscription[1];
        var subscription = new Subscription(agent, () -> subscriptions.remove(holder[0]));
        holder[0] = subscription;
        // Register first, then replay what qualifies now: an event produced in between reaches the
        // subscriber twice at worst (harmless: events are hints), never not at all.
        subscriptions.put(subscription, wanted);
        index.replay(subscription, wanted);
        LOG.debug("agent {} subscribed to {} with runtimes {}", agent.id(), wanted, agent.runtimes());
        return subscription;
    }

    @Override
    protected RunWatch watch(String runId, long resumeAfter, Runnable onUpdate) {
        ensureOpen();
        return feeds.watch(runId, resumeAfter, onUpdate);
    }

    /**
     * Starts feeding a run's steps to {@code feed}: the snapshot and the registration under the
     * run's lock, so that no step falls between them.
     */
    private AutoCloseable follow(String runId, RunFeed feed) {
        var run = requireRun(runId);
        run.lock.lock();
        try {
            feed.begin(run.snapshot(), run.cancelled, changeSequence.get(), null);
            run.feed = feed;
        } finally {
            run.lock.unlock();
        }
        return () -> {
            run.lock.lock();
            try {
                if (run.feed == feed) {
                    run.feed = null;
                }
            } finally {
                run.lock.unlock();
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        feeds.close();
        for (var subscription : List.copyOf(subscriptions.keySet())) {
            subscription.close();
        }
    }

    // ---- internals ----

    private void ensureOpen() {
        if (closed) {
            throw new RepositoryException.Unavailable("the memory repository is closed");
        }
    }

    private MemoryRun requireRun(String runId) {
        var run = runId == null ? null : runs.get(runId);
        if (run == null) {
            throw RepositoryException.NotFound.run(runId == null ? "" : runId);
        }
        return run;
    }

    /**
     * Runs one protocol step under the run's lock and stores its changes, then publishes its events
     * outside the lock.
     */
    private Step step(String runId, Transition.OfNode transition) {
        var run = requireRun(runId);
        Step step;
        run.lock.lock();
        try {
            if (run.deleted) {
                throw RepositoryException.NotFound.run(runId);
            }
            step = Protocol.apply(run, transition);
            store(run, step);
        } finally {
            run.lock.unlock();
        }
        publish(step.events());
        return step;
    }

    /** A run-wide step, like {@link #step(String, Transition.OfNode)}; answers the run afterwards. */
    private Run step(String runId, Transition.OfRun transition) {
        var run = requireRun(runId);
        Step step;
        Run after;
        run.lock.lock();
        try {
            if (run.deleted) {
                throw RepositoryException.NotFound.run(runId);
            }
            step = Protocol.apply(run, transition);
            switch (step.cancelMark()) {
                case SET -> run.cancelled = true;
                case CLEARED -> run.cancelled = false;
                case UNCHANGED -> {}
            }
            store(run, step);
            after = run.snapshot();
        } finally {
            run.lock.unlock();
        }
        publish(step.events());
        return after;
    }

    /** Stores a step's changes and feeds them to the run's watchers, if any. Called under the run's lock. */
    private void store(MemoryRun run, Step step) {
        for (var change : step.changes()) {
            track(run, run.position(change.node()), change.before(), change.after());
        }
        if (run.feed != null && (!step.changes().isEmpty() || step.cancelMark() != Step.CancelMark.UNCHANGED)) {
            var changed = new ArrayList<Node>(step.changes().size());
            for (var change : step.changes()) {
                changed.add(change.after().toNode(run.graph.node(change.node())));
            }
            run.feed.update(changeSequence.incrementAndGet(), changed, run.cancelled);
        }
    }

    private void publish(List<Event> events) {
        if (events.isEmpty()) {
            return;
        }
        subscriptions.forEach((subscription, types) -> {
            for (var event : events) {
                if (types.contains(event.type())) {
                    subscription.offer(event);
                }
            }
        });
    }

    /** Stores one node's change of state and keeps the counters and indexes in step. Under the run's lock. */
    private void track(MemoryRun run, int position, NodeState before, NodeState after) {
        run.put(position, before, after);
        index.track(run, position, before, after);
    }

    private Instant nextCreationTime() {
        long now = Timestamps.toNanos(clock.instant());
        long ns = lastCreatedNs.accumulateAndGet(now, (last, candidate) -> Math.max(last + 1, candidate));
        return Timestamps.fromNanos(ns);
    }
}
