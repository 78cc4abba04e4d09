package io.adagio.bench;

import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.agent.runtime.Runtime;
import io.adagio.agent.runtime.debug.DebugRuntime;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The in-process limit: the same graphs executed by a plain JDK thread pool of the same size, with
 * no repository, no claims and no events. Each node runs when its last upstream node finished,
 * receives the upstream outputs as its inputs and does the same work as in an agent: the {@code
 * debug} runtime's function for the node, with its arguments read from the spec.
 *
 * <p>With {@code work == false} a node does nothing at all, which is the bare cost of the thread
 * pool's hand-over (reported beside, for a sense of scale).
 */
final class InProcessBaseline {
    private final int workers;
    private final boolean work;
    private final Runtime runtime;

    InProcessBaseline(int workers, boolean work) {
        this(workers, work ? new DebugRuntime() : null);
    }

    /** Each node runs {@code runtime}'s function (the {@code debug} one in the benchmark), none if null. */
    InProcessBaseline(int workers, Runtime runtime) {
        this.workers = workers;
        this.work = runtime != null;
        this.runtime = runtime;
    }

    /** Executes every graph to completion, all at once; returns the elapsed nanoseconds. */
    long execute(List<GraphSpec> graphs, Duration timeout) throws InterruptedException {
        long total = graphs.stream().mapToLong(g -> g.nodes().size()).sum();
        var done = new CountDownLatch(1);
        var left = new java.util.concurrent.atomic.AtomicLong(total);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            long start = System.nanoTime();
            for (int r = 0; r < graphs.size(); r++) {
                new RunState("run-" + r, graphs.get(r), pool, left, done).startRoots();
            }
            if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("the baseline did not finish within " + timeout);
            }
            return System.nanoTime() - start;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private final class RunState {
        final String runId;
        final List<NodeSpec> nodes;
        final int[][] downstream;
        final AtomicIntegerArray waitingOn;
        final boolean[] roots;
        final List<Map<String, byte[]>> inputs;
        final ExecutorService pool;
        final java.util.concurrent.atomic.AtomicLong left;
        final CountDownLatch done;

        RunState(
                String runId,
                GraphSpec graph,
                ExecutorService pool,
                java.util.concurrent.atomic.AtomicLong left,
                CountDownLatch done) {
            this.runId = runId;
            this.nodes = graph.nodes();
            this.pool = pool;
            this.left = left;
            this.done = done;
            int n = nodes.size();
            var index = new HashMap<String, Integer>(n * 2);
            for (int i = 0; i < n; i++) {
                index.put(nodes.get(i).name(), i);
            }
            int[] out = new int[n];
            int[] in = new int[n];
            for (Edge e : graph.edges()) {
                out[index.get(e.source())]++;
                in[index.get(e.destination())]++;
            }
            downstream = new int[n][];
            for (int i = 0; i < n; i++) {
                downstream[i] = new int[out[i]];
            }
            int[] filled = new int[n];
            for (Edge e : graph.edges()) {
                int s = index.get(e.source());
                downstream[s][filled[s]++] = index.get(e.destination());
            }
            waitingOn = new AtomicIntegerArray(in);
            roots = new boolean[n];
            for (int i = 0; i < n; i++) {
                roots[i] = in[i] == 0;
            }
            inputs = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                inputs.add(in[i] == 0 ? Map.of() : new ConcurrentHashMap<>());
            }
        }

        void startRoots() {
            // Roots by their spec, not by the live counters: a node made ready meanwhile is already submitted.
            for (int i = 0; i < nodes.size(); i++) {
                if (roots[i]) {
                    submit(i);
                }
            }
        }

        void submit(int i) {
            pool.execute(() -> run(i));
        }

        void run(int i) {
            byte[] output = work ? perform(i) : new byte[0];
            for (int d : downstream[i]) {
                inputs.get(d).put(nodes.get(i).name(), output);
                if (waitingOn.decrementAndGet(d) == 0) {
                    submit(d);
                }
            }
            if (left.decrementAndGet() == 0) {
                done.countDown();
            }
        }

        byte[] perform(int i) {
            var spec = nodes.get(i);
            var node = new Node(spec, NodeStatus.RUNNING, List.of(), Instant.now(), null, inputs.get(i), null);
            try {
                return runtime.create(Arguments.parse(runtime, node))
                        .run(ExecutionContext.of(runId, node))
                        .output();
            } catch (Exception e) {
                throw new IllegalStateException("the " + runtime.name() + " runtime failed on a no-op node", e);
            }
        }
    }
}
