package io.adagio.bench.peer;

import io.adagio.core.model.GraphSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Netflix Conductor as the bench's peer: started locally (jar, Redis), with polling workers, ready to
 * execute workloads and say how long they took. Closing it ends its workers and processes.
 */
public final class ConductorPeer implements AutoCloseable {
    /** Each worker holds one task at a time, as each agent of the pool executes one node at a time. */
    private static final int BATCH_SIZE = 1;

    private static final int LONG_POLL_MILLIS = 100;

    private final ConductorServer server;
    private final ConductorClient client;
    private final ConductorWorkers workers;
    private final ConductorWorkers.PollSettings poll;
    private final Map<String, Integer> definedNodes = new LinkedHashMap<>();

    private ConductorPeer(ConductorServer server, int workerThreads) {
        this.server = server;
        this.client = new ConductorClient(server.baseUrl());
        this.poll = new ConductorWorkers.PollSettings(workerThreads, BATCH_SIZE, LONG_POLL_MILLIS);
        this.workers = new ConductorWorkers(client, poll);
    }

    /** Downloads (once) and starts Conductor with Redis, registers the task type, starts the workers. */
    public static ConductorPeer start(Path cache, int workerThreads, Consumer<String> progress)
            throws PeerUnavailableException {
        Path jar;
        try {
            jar = ConductorJar.obtain(cache, progress);
        } catch (IOException e) {
            throw new PeerUnavailableException("no Conductor server jar: " + e.getMessage());
        }
        var server = ConductorServer.start(jar, progress);
        var peer = new ConductorPeer(server, workerThreads);
        try {
            peer.client.registerTaskDefinition(ConductorDefinitions.taskDefinition());
        } catch (IOException e) {
            peer.close();
            throw new PeerUnavailableException("Conductor refused the task definition: " + e.getMessage());
        }
        peer.workers.start();
        return peer;
    }

    public static Path defaultCache() {
        return ConductorJar.defaultCache();
    }

    /** Registers a workflow of the graph's shape under {@code name}. */
    public void define(String name, GraphSpec graph) throws IOException {
        client.putWorkflowDefinition(ConductorDefinitions.workflow(name, graph));
        definedNodes.put(name, graph.nodes().size());
    }

    /**
     * Starts {@code count} workflows of a defined name from {@code starters} threads and waits until
     * every one is COMPLETED; returns the nanoseconds from the first start to the last completion seen.
     */
    public long execute(String name, int count, int starters, Duration timeout) throws IOException {
        Integer nodes = definedNodes.get(name);
        if (nodes == null) {
            throw new IllegalArgumentException("no workflow " + name + " was defined");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(starters);
        try {
            var ids = Collections.synchronizedList(new ArrayList<String>());
            var next = new AtomicInteger();
            long start = System.nanoTime();
            run(pool, starters, () -> {
                while (next.getAndIncrement() < count) {
                    ids.add(client.startWorkflow(name));
                }
            });
            var remaining = List.copyOf(ids);
            var checked = new AtomicInteger();
            run(pool, starters, () -> {
                for (int i; (i = checked.getAndIncrement()) < remaining.size(); ) {
                    awaitCompleted(remaining.get(i), deadline);
                }
            });
            return System.nanoTime() - start;
        } finally {
            pool.shutdownNow();
        }
    }

    private void awaitCompleted(String workflowId, long deadline) throws IOException {
        while (true) {
            var status = client.workflowStatus(workflowId);
            if (status.equals("COMPLETED")) {
                return;
            }
            if (!status.equals("RUNNING")) {
                throw new IOException("Conductor workflow " + workflowId + " ended " + status);
            }
            var failure = workers.failure();
            if (failure != null) {
                throw new IOException("a Conductor worker failed: " + failure.getMessage(), failure);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Conductor workflow " + workflowId + " was still RUNNING at the deadline");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void run(ExecutorService pool, int threads, Step step) throws IOException {
        var futures = new ArrayList<Future<?>>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                step.run();
                return null;
            }));
        }
        for (var f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
    }

    /** The settings printed beside the figures: the processes' and the workers'. */
    public Map<String, String> settings() {
        var all = new LinkedHashMap<>(server.settings());
        all.put("workers", poll.describe());
        all.put(
                "workflow definitions",
                "one SIMPLE task per node (task type " + ConductorDefinitions.TASK_TYPE
                        + ", retryCount 0), layered: FORK_JOIN/JOIN for every layer wider than one node");
        return Collections.unmodifiableMap(all);
    }

    @Override
    public void close() {
        try {
            workers.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
        }
    }
}
