package io.adagio.bench;

import io.adagio.bench.peer.ConductorPeer;
import io.adagio.bench.peer.PeerUnavailableException;
import io.adagio.memory.MemoryRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The same workloads on Adagio (the agent pool on the memory repository) and on a locally started
 * Netflix Conductor with Redis, with as many Conductor workers as agents, trial by trial in one run.
 */
final class PeerBench {
    /** Starting clients on both sides. */
    static final int STARTERS = 4;

    /** A Conductor trial of the 1,000-wide fan-out took ~2.5 minutes on a loaded 2-core machine. */
    static final java.time.Duration PEER_TIMEOUT = java.time.Duration.ofMinutes(15);

    /** One workload on both engines: workflows and tasks per second, each engine's medians. */
    record Comparison(Workload workload, Figure adagioWorkflowsPerSecond, Figure conductorWorkflowsPerSecond) {
        double tasksPerWorkflow() {
            return workload.graph().nodes().size();
        }

        double workflowsRatio() {
            return adagioWorkflowsPerSecond.median() / conductorWorkflowsPerSecond.median();
        }
    }

    /** The section: figures and the peer's settings, or why it was skipped. */
    record Result(String skipped, Map<String, String> settings, List<Comparison> comparisons) {
        static Result skipped(String why) {
            return new Result(why, Map.of(), List.of());
        }
    }

    private final Config config;
    private final Progress progress;
    private final Path cache;

    PeerBench(Config config, Progress progress, Path cache) {
        this.config = config;
        this.progress = progress;
        this.cache = cache;
    }

    static List<Workload> workloads() {
        return List.of(
                Workload.of("200 workflows x 7 nodes", Shapes.sevenNodes(), 200),
                Workload.of("fan-out 1,000 wide (1,002 tasks)", Shapes.fanOutFanIn(1_002), 1));
    }

    /** Conductor takes minutes per trial on 2 cores: fewer trials than elsewhere. */
    int trials() {
        return config.quick() ? 2 : 3;
    }

    Result run() throws Exception {
        ConductorPeer peer;
        try {
            peer = ConductorPeer.start(cache, config.agents(), progress::step);
        } catch (PeerUnavailableException e) {
            progress.step("peer: skipped: " + e.getMessage());
            return Result.skipped(e.getMessage());
        }
        try (peer) {
            var comparisons = new ArrayList<Comparison>();
            var workloads = workloads();
            try {
                for (int w = 0; w < workloads.size(); w++) {
                    comparisons.add(compare(peer, "adagio_bench_" + w, workloads.get(w), w == 0));
                }
            } catch (java.io.IOException e) {
                // What was measured before the failure stays in the report, beside the note.
                progress.step("peer: stopped after a failure: " + e.getMessage());
                return new Result(
                        "Conductor failed during the measurement (" + comparisons.size() + " of " + workloads.size()
                                + " workloads measured): " + e.getMessage(),
                        peer.settings(),
                        comparisons);
            }
            return new Result(null, peer.settings(), comparisons);
        }
    }

    /**
     * Trials of one workload, interleaved. Adagio gets its usual warm-up trials; Conductor one, on the
     * first workload only (its trials take minutes, and the code paths are the same for both).
     */
    private Comparison compare(ConductorPeer peer, String name, Workload w, boolean warmUpPeer) throws Exception {
        peer.define(name, w.graph());
        var runner = new PoolRunner(config.agents(), STARTERS, false, config.timeout());
        var ours = new ArrayList<Double>();
        var theirs = new ArrayList<Double>();
        for (int t = -config.warmups(); t < 0; t++) {
            progress.step(
                    "peer " + w.name() + " (Adagio warm-up): " + Figure.format(adagio(runner, w)) + " workflows/s");
        }
        for (int t = warmUpPeer ? -1 : 0; t < trials(); t++) {
            double o = adagio(runner, w);
            Repeat.settle();
            long nanos = peer.execute(name, w.count(), STARTERS, PEER_TIMEOUT);
            double c = w.count() / (nanos / 1e9);
            if (t >= 0) {
                ours.add(o);
                theirs.add(c);
            }
            progress.step("peer " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": adagio "
                    + Figure.format(o) + " workflows/s, Conductor " + Figure.format(c) + " workflows/s");
        }
        return new Comparison(w, Figure.of(ours), Figure.of(theirs));
    }

    private double adagio(PoolRunner runner, Workload w) throws Exception {
        Repeat.settle();
        var trial = runner.run(
                w,
                () -> {
                    var repository = new MemoryRepository();
                    return new PoolRunner.Backend(repository, repository);
                },
                config.minTrialSeconds());
        return trial.nodesPerSecond() / w.graph().nodes().size();
    }
}
