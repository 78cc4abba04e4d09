package io.adagio.bench;

import io.adagio.etcd.EtcdRepository;
import io.adagio.etcd.EtcdSettings;
import io.adagio.memory.MemoryRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Per-node cost as runs grow: the same number of nodes in total, as many small runs or few large
 * ones (fan-out/fan-in of 10, 100, 1,000 and 10,000 nodes). A flat cost means nothing reads or
 * rewrites a whole run per step.
 */
final class ScalingBench {
    /** Microseconds of wall time per node at one run size. */
    record Point(int runSize, int runs, Figure microsPerNode) {}

    record Result(String backend, List<Point> points) {
        double ratio() {
            return points.getLast().microsPerNode().median()
                    / points.getFirst().microsPerNode().median();
        }
    }

    private final Config config;
    private final Progress progress;

    ScalingBench(Config config, Progress progress) {
        this.config = config;
        this.progress = progress;
    }

    Result memory() throws Exception {
        var runner = new PoolRunner(config.agents(), 1, false, config.timeout());
        var points = new ArrayList<Point>();
        for (int size : List.of(10, 100, 1_000, 10_000)) {
            int runs = config.scalingMemoryTotal() / size;
            var w = Workload.of(runs + " runs x " + size, Shapes.fanOutFanIn(size), runs);
            var costs = new ArrayList<Double>();
            for (int t = -config.warmups(); t < config.trials(); t++) {
                Repeat.settle();
                double micros = runner.run(
                                w,
                                () -> {
                                    var repository = new MemoryRepository();
                                    return new PoolRunner.Backend(repository, repository);
                                },
                                config.minTrialSeconds())
                        .microsPerNode();
                if (t >= 0) {
                    costs.add(micros);
                }
                progress.step("scaling memory " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": "
                        + Figure.format(micros) + " us/node");
            }
            points.add(new Point(size, runs, Figure.of(costs)));
        }
        return new Result("memory", points);
    }

    Result etcd(List<String> endpoints, EtcdCleanup cleanup) throws Exception {
        var runner = new PoolRunner(config.agents(), 4, false, config.timeout());
        var points = new ArrayList<Point>();
        for (int size : List.of(10, 100, 1_000)) {
            int runs = config.scalingEtcdTotal() / size;
            var w = Workload.of(runs + " runs x " + size, Shapes.fanOutFanIn(size), runs);
            var costs = new ArrayList<Double>();
            for (int t = -config.etcdWarmups(); t < config.etcdTrials(); t++) {
                var settings = EtcdSettings.of(endpoints)
                        .withNamespace("bench-" + UUID.randomUUID().toString().substring(0, 8));
                var trial = runner.run(
                        w,
                        () -> new PoolRunner.Backend(
                                EtcdRepository.connect(settings), EtcdRepository.connect(settings)));
                cleanup.deleteNamespace(settings);
                if (t >= 0) {
                    costs.add(trial.microsPerNode());
                }
                progress.step("scaling etcd " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": "
                        + Figure.format(trial.microsPerNode()) + " us/node");
            }
            points.add(new Point(size, runs, Figure.of(costs)));
        }
        return new Result("etcd", points);
    }
}
