package io.adagio.bench;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RunWatch;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A repository seen from outside: the benchmarks put it between the agent pool (and the starter of
 * runs) and the real repository to know, cheaply and without polling, when every node of a
 * workload has succeeded, how many repository calls it took, and, when asked, how long each node
 * waited between becoming ready and being claimed.
 *
 * <p>Readiness is timed by the finish that caused it: a node becomes ready when the repository
 * acknowledges the success of its last upstream node (for a root, when the start of its run is
 * acknowledged), and is claimed when the repository acknowledges the winning claim. The tracking
 * is a counter per node and two clock reads per call, and only for the workloads that ask for it.
 */
final class ObservedRepository implements Repository {
    private final Repository api;
    private final Repository delegate;
    private final boolean timeReadiness;

    final LongAdder starts = new LongAdder();
    final LongAdder claims = new LongAdder();
    final LongAdder claimsLost = new LongAdder();
    final LongAdder finishes = new LongAdder();

    private final AtomicLong succeeded = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile CountDownLatch done = new CountDownLatch(1);

    private volatile Shape shape;
    private final ConcurrentHashMap<String, RunTrack> tracks = new ConcurrentHashMap<>();
    private final Latencies readyToClaim = new Latencies();

    /**
     * @param api    where runs are started, inspected and listed (the control plane's repository)
     * @param agents where nodes are claimed and finished (the agents' repository; may be {@code api})
     */
    ObservedRepository(Repository api, Repository agents, boolean timeReadiness) {
        this.api = api;
        this.delegate = agents;
        this.timeReadiness = timeReadiness;
    }

    /**
     * Starts counting towards {@code nodes} more successful finishes, of runs of {@code graph} (whose
     * readiness is timed when asked for).
     */
    void expect(long nodes, GraphSpec graph) {
        succeeded.set(0);
        done = new CountDownLatch(1);
        shape = timeReadiness ? new Shape(graph) : null;
        target = nodes;
    }

    /** Waits until the expected number of nodes succeeded; false on timeout. */
    boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    long succeeded() {
        return succeeded.get();
    }

    /** The ready-to-claim samples since the last call, in nanoseconds; clears them. */
    long[] drainReadyToClaim() {
        tracks.clear();
        return readyToClaim.drain();
    }

    @Override
    public Run startRun(GraphSpec spec) {
        starts.increment();
        var run = api.startRun(spec);
        var track = track(run.id());
        if (track != null) {
            track.markRoots(System.nanoTime());
        }
        return run;
    }

    @Override
    public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
        claims.increment();
        var result = delegate.claimNode(runId, nodeName, claim);
        if (result.claimed()) {
            long now = System.nanoTime();
            var track = track(runId);
            if (track != null) {
                track.claimed(nodeName, now, readyToClaim);
            }
        } else {
            claimsLost.increment();
        }
        return result;
    }

    @Override
    public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
        // A plain finish is a finish that claims nothing: counted and timed in one place.
        return finishAndClaim(runId, nodeName, result, claim, null).node();
    }

    /**
     * A finish that claims the node it makes ready: that node is ready and claimed at the same moment,
     * when the repository acknowledges the finish (a wait of zero, and a claim that no event announced).
     */
    @Override
    public Finished finishAndClaim(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
        finishes.increment();
        var finished = delegate.finishAndClaim(runId, nodeName, result, claim, next);
        if (result.conclusion() == Conclusion.SUCCESS) {
            long now = System.nanoTime();
            var track = track(runId);
            if (track != null) {
                track.succeeded(nodeName, now);
                if (finished.next() != null) {
                    track.claimed(finished.next().name(), now, readyToClaim);
                }
            }
            if (finished.next() != null) {
                claims.increment();
            }
            if (succeeded.incrementAndGet() == target) {
                done.countDown();
            }
        }
        return finished;
    }

    @Override
    public Run inspectRun(String runId) {
        return api.inspectRun(runId);
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        return api.listRuns(query);
    }

    @Override
    public void deleteRun(String runId) {
        api.deleteRun(runId);
    }

    @Override
    public List<RunRef> oldestRuns(RunRef after, int limit) {
        return api.oldestRuns(after, limit);
    }

    @Override
    public Stats stats() {
        return api.stats();
    }

    @Override
    public List<Agent> listAgents() {
        return api.listAgents();
    }

    @Override
    public Subscription subscribe(Agent agent, Set<Event.Type> types) {
        return delegate.subscribe(agent, types);
    }

    @Override
    public RunWatch watchRun(String runId, long resumeAfter, Runnable onUpdate) {
        return api.watchRun(runId, resumeAfter, onUpdate);
    }

    @Override
    public Run cancelRun(String runId) {
        return api.cancelRun(runId);
    }

    @Override
    public Run rerunRun(String runId) {
        return api.rerunRun(runId);
    }

    @Override
    public void close() {
        delegate.close();
        if (api != delegate) {
            api.close();
        }
    }

    /**
     * The run's bookkeeping, made by whichever call about it comes first: with an in-process
     * repository, agents may claim a run's first nodes before its start has returned.
     */
    private RunTrack track(String runId) {
        var sh = shape;
        return sh == null ? null : tracks.computeIfAbsent(runId, id -> new RunTrack(sh));
    }

    /** A graph indexed once per workload: node positions and each node's downstream positions. */
    private static final class Shape {
        final Map<String, Integer> index;
        final int[][] downstream;
        final int[] inDegree;

        Shape(GraphSpec graph) {
            int n = graph.nodes().size();
            index = new HashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                index.put(graph.nodes().get(i).name(), i);
            }
            int[] outDegree = new int[n];
            inDegree = new int[n];
            for (Edge e : graph.edges()) {
                outDegree[index.get(e.source())]++;
                inDegree[index.get(e.destination())]++;
            }
            downstream = new int[n][];
            for (int i = 0; i < n; i++) {
                downstream[i] = new int[outDegree[i]];
            }
            int[] filled = new int[n];
            for (Edge e : graph.edges()) {
                int s = index.get(e.source());
                downstream[s][filled[s]++] = index.get(e.destination());
            }
        }
    }

    /** One run's readiness bookkeeping: upstream nodes left per node, and when each became ready. */
    private static final class RunTrack {
        private final Shape shape;
        private final AtomicIntegerArray waitingOn;
        private final AtomicLongArray readyAt;

        RunTrack(Shape shape) {
            this.shape = shape;
            waitingOn = new AtomicIntegerArray(shape.inDegree);
            readyAt = new AtomicLongArray(shape.inDegree.length);
        }

        void markRoots(long now) {
            for (int i = 0; i < shape.inDegree.length; i++) {
                if (shape.inDegree[i] == 0) {
                    readyAt.compareAndSet(i, 0, now);
                }
            }
        }

        void succeeded(String node, long now) {
            Integer i = shape.index.get(node);
            if (i == null) {
                return;
            }
            for (int d : shape.downstream[i]) {
                if (waitingOn.decrementAndGet(d) == 0) {
                    readyAt.compareAndSet(d, 0, now);
                }
            }
        }

        void claimed(String node, long now, Latencies sink) {
            Integer i = shape.index.get(node);
            if (i == null) {
                return;
            }
            long ready = readyAt.get(i);
            // Claimed before the write that made it ready was even acknowledged: no wait at all.
            sink.add(ready == 0 ? 0 : Math.max(0, now - ready));
        }
    }
}
