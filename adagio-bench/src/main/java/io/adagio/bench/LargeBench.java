package io.adagio.bench;

import io.adagio.etcd.EtcdRepository;
import io.adagio.etcd.EtcdSettings;
import io.adagio.memory.MemoryRepository;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Runs of 100,000 nodes: one layered run (100 layers of 1,000, each node fed by two of the layer
 * above) against 100 runs of the same shape at 1,000 nodes (10 layers of 100), on each backend. The
 * ratio of their per-node costs says whether anything grows with the size of a run.
 */
final class LargeBench {
    /** Wall seconds of the 100,000-node run; microseconds per node at 1,000 and at 100,000 nodes. */
    record Result(String backend, Figure seconds100k, Figure microsPerNode1k, Figure microsPerNode100k) {
        double ratio() {
            return microsPerNode100k.median() / microsPerNode1k.median();
        }
    }

    static final Workload LARGE = Workload.of("1 run x 100,000 (100 layers x 1,000)", Shapes.layered(100, 1_000), 1);
    static final Workload SMALL = Workload.of("100 runs x 1,000 (10 layers x 100)", Shapes.layered(10, 100), 100);
    /** On etcd 10 runs stand for the 1,000-node cost: 100 would take as long again as the big run. */
    static final Workload SMALL_ETCD = Workload.of("10 runs x 1,000 (10 layers x 100)", Shapes.layered(10, 100), 10);
    /** A 100,000-node run on etcd takes minutes on a busy 2-core machine: more than the usual trial timeout. */
    private static final java.time.Duration LARGE_TIMEOUT = java.time.Duration.ofMinutes(30);

    /** What is removed after each trial (an etcd namespace). */
    @FunctionalInterface
    private interface Cleanup {
        void run() throws Exception;
    }

    private final Config config;
    private final Progress progress;

    LargeBench(Config config, Progress progress) {
        this.config = config;
        this.progress = progress;
    }

    Result memory() throws Exception {
        var runner = new PoolRunner(config.agents(), 1, false, config.timeout());
        Supplier<PoolRunner.Backend> backend = () -> {
            var repository = new MemoryRepository();
            return new PoolRunner.Backend(repository, repository);
        };
        return measure("memory", runner, backend, () -> {}, SMALL, Math.max(1, config.trials() / 2));
    }

    Result etcd(List<String> endpoints, EtcdCleanup cleanup) throws Exception {
        var runner = new PoolRunner(config.agents(), 4, false, LARGE_TIMEOUT);
        var settings = new EtcdSettings[1];
        Supplier<PoolRunner.Backend> backend = () -> {
            settings[0] = EtcdSettings.of(endpoints)
                    .withNamespace("bench-" + UUID.randomUUID().toString().substring(0, 8));
            return new PoolRunner.Backend(EtcdRepository.connect(settings[0]), EtcdRepository.connect(settings[0]));
        };
        // One trial of each after the warm-up: on 2 cores the big run alone takes minutes.
        return measure("etcd", runner, backend, () -> cleanup.deleteNamespace(settings[0]), SMALL_ETCD, 1);
    }

    private Result measure(
            String name,
            PoolRunner runner,
            Supplier<PoolRunner.Backend> backend,
            Cleanup cleanup,
            Workload smallWorkload,
            int trials)
            throws Exception {
        var small = new java.util.ArrayList<Double>();
        var large = new java.util.ArrayList<Double>();
        var seconds = new java.util.ArrayList<Double>();
        // One warm-up of each, then trials alternately so that load on the machine weighs on both.
        for (int t = -1; t < trials; t++) {
            // The warm-up is of the small workload only: the big one would double the scenario's time.
            for (var w : t < 0 ? List.of(smallWorkload) : List.of(smallWorkload, LARGE)) {
                Repeat.settle();
                var trial = runner.run(w, backend);
                cleanup.run();
                progress.step("large " + name + " " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": "
                        + Figure.format(trial.microsPerNode()) + " us/node, " + Figure.format(trial.nanos() / 1e9)
                        + " s");
                if (t >= 0) {
                    (w == LARGE ? large : small).add(trial.microsPerNode());
                    if (w == LARGE) {
                        seconds.add(trial.nanos() / 1e9);
                    }
                }
            }
        }
        return new Result(name, Figure.of(seconds), Figure.of(small), Figure.of(large));
    }
}
