package io.adagio.bench;

import io.adagio.memory.MemoryRepository;
import java.util.ArrayList;
import java.util.List;

/**
 * No-op {@code debug} nodes through the real agent pool and the memory repository, against the same
 * graphs on a plain thread pool of the same size ({@link InProcessBaseline}).
 */
final class MemoryBench {
    /** Figures of one workload: nodes per second, ours and the baselines'. */
    record Result(
            Workload workload, Figure ours, Figure baseline, Figure bare, Figure ratio, Figure readyToClaimP99Ms) {}

    private final Config config;
    private final Progress progress;

    MemoryBench(Config config, Progress progress) {
        this.config = config;
        this.progress = progress;
    }

    List<Workload> workloads() {
        return List.of(
                Workload.of("fan-out/fan-in " + config.memoryDag(), Shapes.fanOutFanIn(config.memoryDag()), 1),
                Workload.of(
                        config.memorySevenRuns() + " runs x 7 nodes", Shapes.sevenNodes(), config.memorySevenRuns()),
                Workload.of("chain " + config.memoryChain(), Shapes.chain(config.memoryChain()), 1));
    }

    List<Result> run() throws Exception {
        var out = new ArrayList<Result>();
        for (var w : workloads()) {
            out.add(measure(w));
        }
        return out;
    }

    Result measure(Workload w) throws Exception {
        var runner = new PoolRunner(config.agents(), 1, false, config.timeout());
        var baseline = new InProcessBaseline(config.agents(), true);
        var bare = new InProcessBaseline(config.agents(), false);
        var ours = new ArrayList<Double>();
        var base = new ArrayList<Double>();
        var bareRates = new ArrayList<Double>();
        var ratios = new ArrayList<Double>();
        for (int t = -config.memoryWarmups(); t < config.trials(); t++) {
            // Interleaved, so that whatever else the machine does meanwhile weighs on both alike.
            Repeat.settle();
            double o = runner.run(
                            w,
                            () -> {
                                var repository = new MemoryRepository();
                                return new PoolRunner.Backend(repository, repository);
                            },
                            config.minTrialSeconds())
                    .nodesPerSecond();
            Repeat.settle();
            double b = repeated(w, () -> baseline.execute(w.graphs(), config.timeout()));
            Repeat.settle();
            double bb = repeated(w, () -> bare.execute(w.graphs(), config.timeout()));
            if (t >= 0) {
                ours.add(o);
                base.add(b);
                bareRates.add(bb);
                ratios.add(o / b);
            }
            progress.step("memory " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": " + Figure.format(o)
                    + " nodes/s, baseline " + Figure.format(b) + ", bare " + Figure.format(bb));
        }
        return new Result(w, Figure.of(ours), Figure.of(base), Figure.of(bareRates), Figure.of(ratios), null);
    }

    private double repeated(Workload w, Repeat.Execution execution) throws Exception {
        return Repeat.nodesPerSecond(w, config.minTrialSeconds(), execution);
    }
}
