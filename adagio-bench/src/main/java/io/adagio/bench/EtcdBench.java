package io.adagio.bench;

import io.adagio.etcd.EtcdRepository;
import io.adagio.etcd.EtcdSettings;
import io.adagio.testkit.grpc.RequestCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The same shapes, scaled to fit, with the API's repository and the agents' repository (two
 * clients, as two processes would have) on one etcd; against the raw compare-and-put transaction
 * rate of that etcd with the same client and concurrency.
 */
final class EtcdBench {
    /** Figures of one workload. */
    record Result(
            Workload workload,
            Figure nodesPerSecond,
            Figure requestsPerNode,
            Figure readyP50Ms,
            Figure readyP99Ms,
            Map<String, Long> requests) {}

    /**
     * @param rawTxnP99Ms the p99 latency of one raw compare-and-put transaction, per trial: the floor
     *     under ready-to-claim, which takes at least one (the claim) after the finish that made the
     *     node ready was acknowledged
     */
    record Results(List<Result> workloads, Figure rawTxnPerSecond, Figure rawTxnP99Ms, Result latency) {
        Result headline() {
            return workloads.getFirst();
        }

        double efficiency() {
            return headline().nodesPerSecond().median() / (rawTxnPerSecond.median() / 2);
        }
    }

    private final Config config;
    private final Progress progress;
    private final List<String> endpoints;

    EtcdBench(Config config, Progress progress, List<String> endpoints) {
        this.config = config;
        this.progress = progress;
        this.endpoints = endpoints;
    }

    List<Workload> workloads() {
        return List.of(
                Workload.of("fan-out/fan-in " + config.etcdDag(), Shapes.fanOutFanIn(config.etcdDag()), 1),
                Workload.of(config.etcdSevenRuns() + " runs x 7 nodes", Shapes.sevenNodes(), config.etcdSevenRuns()),
                Workload.of("chain " + config.etcdChain(), Shapes.chain(config.etcdChain()), 1));
    }

    /**
     * As many chains as agents: every agent busy, yet never a ready node waiting for a free agent, so
     * that the time from ready to claimed is the hand-over itself (watch, event, claim), not a queue.
     */
    Workload latencyWorkload() {
        return Workload.of(config.agents() + " chains x 40 (ready-to-claim)", Shapes.chain(40), config.agents());
    }

    Results run() throws Exception {
        var out = new ArrayList<Result>();
        var raw = new ArrayList<Double>();
        var rawP99 = new ArrayList<Double>();
        var rawBaseline = new RawTxnBaseline(endpoints, config.agents());
        for (var w : workloads()) {
            out.add(measure(w, raw, rawP99, rawBaseline));
        }
        var latency = measure(latencyWorkload(), raw, rawP99, rawBaseline);
        return new Results(out, Figure.of(raw), Figure.of(rawP99), latency);
    }

    /** One workload; interleaves a trial of the raw transaction rate after each of ours. */
    Result measure(Workload w, List<Double> raw, List<Double> rawP99, RawTxnBaseline rawBaseline) throws Exception {
        var runner = new PoolRunner(config.agents(), 4, true, config.timeout());
        var rates = new ArrayList<Double>();
        var perNode = new ArrayList<Double>();
        var p50 = new ArrayList<Double>();
        var p99 = new ArrayList<Double>();
        Map<String, Long> requests = Map.of();
        for (int t = -config.etcdWarmups(); t < config.etcdTrials(); t++) {
            var counter = new RequestCounter();
            var namespace = "bench-" + UUID.randomUUID().toString().substring(0, 8);
            var trial = runner.run(w, () -> {
                var settings = EtcdSettings.of(endpoints).withNamespace(namespace);
                return new PoolRunner.Backend(
                        EtcdRepository.connect(settings, counter), EtcdRepository.connect(settings, counter));
            });
            var counts = counter.counts();
            var rawTrial = rawBaseline.measure(namespace, config.rawSeconds());
            double rawRate = rawTrial.txnPerSecond();
            double rawTxnP99 = Latencies.percentileMs(rawTrial.latencies(), 99);
            var cleanup = EtcdSettings.of(endpoints).withNamespace(namespace);
            EtcdCleanup.deleteNamespace(cleanup);
            if (t >= 0) {
                rates.add(trial.nodesPerSecond());
                perNode.add(RequestCounter.unary(counts) / (double) w.nodes());
                p50.add(Latencies.percentileMs(trial.readyToClaimNanos(), 50));
                p99.add(Latencies.percentileMs(trial.readyToClaimNanos(), 99));
                raw.add(rawRate);
                rawP99.add(rawTxnP99);
                requests = counts;
            }
            progress.step("etcd " + w.name() + (t < 0 ? " (warm-up)" : " trial " + (t + 1)) + ": "
                    + Figure.format(trial.nodesPerSecond()) + " nodes/s, "
                    + Figure.format(RequestCounter.unary(counts) / (double) w.nodes())
                    + " requests/node, ready-to-claim p99 "
                    + Figure.format(Latencies.percentileMs(trial.readyToClaimNanos(), 99)) + " ms; raw "
                    + Figure.format(rawRate) + " txn/s, p99 " + Figure.format(rawTxnP99) + " ms");
        }
        return new Result(w, Figure.of(rates), Figure.of(perNode), Figure.of(p50), Figure.of(p99), requests);
    }
}
