package io.adagio.bench;

import io.adagio.agent.AgentPool;
import io.adagio.agent.runtime.debug.DebugRuntime;
import io.adagio.core.repository.Repository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Executes a workload through the real thing: an {@link AgentPool} of {@code agents} workers with
 * the {@code debug} runtime, subscribed to a repository, while {@code starters} client threads start
 * the runs. One trial per call, each on fresh repositories.
 */
final class PoolRunner {
    /** The repositories of one trial: where runs are started (the API) and where agents work. */
    record Backend(Repository api, Repository agents) {}

    /** What one trial measured. */
    record Trial(long nanos, long nodes, long claims, long claimsLost, long[] readyToClaimNanos) {
        double nodesPerSecond() {
            return nodes / (nanos / 1e9);
        }

        double microsPerNode() {
            return nanos / 1e3 / nodes;
        }
    }

    private final int agents;
    private final int starters;
    private final boolean timeReadiness;
    private final Duration timeout;

    PoolRunner(int agents, int starters, boolean timeReadiness, Duration timeout) {
        this.agents = agents;
        this.starters = starters;
        this.timeReadiness = timeReadiness;
        this.timeout = timeout;
    }

    Trial run(Workload workload, Supplier<Backend> backends) throws Exception {
        return run(workload, backends, 0);
    }

    /**
     * One trial: the workload executed on one repository and agent pool, again and again until the
     * executions have lasted {@code minSeconds} in total (at least once). Only the executions are
     * timed: from the first start to the last node's success.
     */
    Trial run(Workload workload, Supplier<Backend> backends, double minSeconds) throws Exception {
        var backend = backends.get();
        var observed = new ObservedRepository(backend.api(), backend.agents(), timeReadiness);
        ExecutorService starting = Executors.newFixedThreadPool(starters);
        try (var pool = AgentPool.builder()
                .repository(observed)
                .agentCount(agents)
                .agentId("bench-agent")
                // Eager claims, on as in adagiod; ADAGIO_BENCH_JAVA_OPTS=-Dadagio.bench.claimNext=false for the
                // figures without them (docs/PERFORMANCE.md).
                .claimNext(Boolean.parseBoolean(System.getProperty("adagio.bench.claimNext", "true")))
                .runtimes(List.of(new DebugRuntime()))
                .shutdownGracePeriod(Duration.ofSeconds(1))
                .start()) {
            long nanos = 0;
            long nodes = 0;
            do {
                nanos += execute(workload, observed, starting);
                nodes += workload.nodes();
            } while (nanos < minSeconds * 1e9);
            return new Trial(
                    nanos, nodes, observed.claims.sum(), observed.claimsLost.sum(), observed.drainReadyToClaim());
        } finally {
            starting.shutdownNow();
            observed.close();
        }
    }

    private long execute(Workload workload, ObservedRepository observed, ExecutorService starting) throws Exception {
        observed.expect(workload.nodes(), workload.graph());
        var next = new AtomicInteger();
        long start = System.nanoTime();
        var futures = new ArrayList<Future<?>>();
        for (int s = 0; s < starters; s++) {
            futures.add(starting.submit(() -> {
                while (next.getAndIncrement() < workload.count()) {
                    observed.startRun(workload.graph());
                }
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        if (!observed.awaitDone(timeout)) {
            throw new IllegalStateException(workload.name() + ": only " + observed.succeeded() + " of "
                    + workload.nodes() + " nodes succeeded within " + timeout);
        }
        return System.nanoTime() - start;
    }
}
