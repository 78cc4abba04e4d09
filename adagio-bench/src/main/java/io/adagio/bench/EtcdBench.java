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
    /**
     * Figures of one workload.
     *
     * @param selfCpuUsPerNode CPU this process (agents, API, clients) spent per node, microseconds
     * @param etcdCpuUsPerNode CPU etcd spent per node; no trials when etcd is not the bench's own
     * @param rawTxnPerSecond  the raw transaction rate measured right after each of its trials
     */
    record Result(
            Workload workload,
            Figure nodesPerSecond,
            Figure requestsPerNode,
            Figure readyP50Ms,
            Figure readyP99Ms,
            Map<String, Long> requests,
            Figure selfCpuUsPerNode,
            Figure etcdCpuUsPerNode,
            Figure rawTxnPerSecond) {}

    /**
     * @param rawTxnP99Ms the p99 latency of one raw compare-and-put transaction, per trial: the floor
     *     under ready-to-claim, which takes at least one (the claim) after the finish that made the
     *     node ready was acknowledged
     */
    record Results(
            List<Result> workloads,
            Figure rawTxnPerSecond,
            Figure rawTxnP99Ms,
            Result latency,
            Figure rawSelfCpuUsPerTxn,
            Figure rawEtcdCpuUsPerTxn) {
        Result headline() {
            return workloads.getFirst();
        }

        /**
         * The headline's rate against the raw rate measured between its trials: etcd is compared with
         * itself in the same state, not with its rate at other points of the bench.
         */
        double efficiency() {
            return headline().nodesPerSecond().median()
                    / (headline().rawTxnPerSecond().median() / 2);
        }
    }

    private final Config config;
    private final Progress progress;
    private final List<String> endpoints;
    private final EtcdCleanup cleanup;
    private final CpuMeter cpu;
    /** Nodes executed by every trial so far, warm-up or not. */
    private long executedNodes;

    EtcdBench(Config config, Progress progress, List<String> endpoints, EtcdCleanup cleanup, CpuMeter cpu) {
        this.config = config;
        this.progress = progress;
        this.endpoints = endpoints;
        this.cleanup = cleanup;
        this.cpu = cpu;
    }

    /** What the raw transactions measured, trial by trial. */
    private record Raw(List<Double> rate, List<Double> p99, List<Double> selfCpu, List<Double> etcdCpu) {
        Raw() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
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
        var raw = new Raw();
        var rawBaseline = new RawTxnBaseline(endpoints, config.agents());
        for (var w : workloads()) {
            out.add(measure(w, raw, rawBaseline));
        }
        var latency = measure(latencyWorkload(), raw, rawBaseline);
        return new Results(
                out,
                Figure.of(raw.rate()),
                Figure.of(raw.p99()),
                latency,
                Figure.of(raw.selfCpu()),
                Figure.of(raw.etcdCpu()));
    }

    /** {@code "812+903 us"}: this process's CPU and etcd's (when known), per unit. */
    private static String cpuText(CpuMeter.Sample used, long units) {
        long n = Math.max(1, units);
        return Figure.format(used.selfNanos() / 1e3 / n)
                + (used.etcdNanos() < 0 ? "" : "+" + Figure.format(used.etcdNanos() / 1e3 / n)) + " us";
    }

    /** One workload; interleaves a trial of the raw transaction rate after each of ours. */
    private Result measure(Workload w, Raw raw, RawTxnBaseline rawBaseline) throws Exception {
        var runner = new PoolRunner(config.agents(), 4, true, config.timeout());
        var rates = new ArrayList<Double>();
        var perNode = new ArrayList<Double>();
        var p50 = new ArrayList<Double>();
        var p99 = new ArrayList<Double>();
        var selfCpu = new ArrayList<Double>();
        var etcdCpu = new ArrayList<Double>();
        var rawRates = new ArrayList<Double>();
        Map<String, Long> requests = Map.of();
        int warmups = 0;
        int measured = 0;
        while (measured < config.etcdTrials()) {
            // At least so many warm-up trials per workload, and in all at least so many nodes before
            // the first trial measured: this process's CPU per node was still falling after three.
            boolean warmUp = warmups < config.etcdWarmups() || executedNodes < config.etcdWarmupNodes();
            var counter = new RequestCounter();
            var namespace = "bench-" + UUID.randomUUID().toString().substring(0, 8);
            // Around the whole trial, the repositories' connecting and closing included: a few
            // milliseconds against the seconds of a trial.
            var cpuBefore = cpu.now();
            var trial = runner.run(w, () -> {
                var settings = EtcdSettings.of(endpoints).withNamespace(namespace);
                return new PoolRunner.Backend(
                        EtcdRepository.connect(settings, counter), EtcdRepository.connect(settings, counter));
            });
            var cpuUsed = cpu.now().minus(cpuBefore);
            var counts = counter.counts();
            var rawTrial = rawBaseline.measure(namespace, config.rawSeconds(), cpu);
            double rawRate = rawTrial.txnPerSecond();
            double rawTxnP99 = Latencies.percentileMs(rawTrial.latencies(), 99);
            cleanup.deleteNamespace(EtcdSettings.of(endpoints).withNamespace(namespace));
            executedNodes += w.nodes();
            if (warmUp) {
                warmups++;
            } else {
                measured++;
                rates.add(trial.nodesPerSecond());
                perNode.add(RequestCounter.unary(counts) / (double) w.nodes());
                p50.add(Latencies.percentileMs(trial.readyToClaimNanos(), 50));
                p99.add(Latencies.percentileMs(trial.readyToClaimNanos(), 99));
                raw.rate().add(rawRate);
                rawRates.add(rawRate);
                raw.p99().add(rawTxnP99);
                selfCpu.add(cpuUsed.selfNanos() / 1e3 / w.nodes());
                var rawCpu = rawTrial.cpu();
                raw.selfCpu().add(rawCpu.selfNanos() / 1e3 / Math.max(1, rawTrial.committed()));
                if (cpuUsed.etcdNanos() >= 0 && rawCpu.etcdNanos() >= 0) {
                    etcdCpu.add(cpuUsed.etcdNanos() / 1e3 / w.nodes());
                    raw.etcdCpu().add(rawCpu.etcdNanos() / 1e3 / Math.max(1, rawTrial.committed()));
                }
                requests = counts;
            }
            progress.step("etcd " + w.name() + (warmUp ? " (warm-up)" : " trial " + measured) + ": "
                    + Figure.format(trial.nodesPerSecond()) + " nodes/s, "
                    + Figure.format(RequestCounter.unary(counts) / (double) w.nodes())
                    + " requests/node, ready-to-claim p99 "
                    + Figure.format(Latencies.percentileMs(trial.readyToClaimNanos(), 99)) + " ms; raw "
                    + Figure.format(rawRate) + " txn/s, p99 " + Figure.format(rawTxnP99) + " ms; CPU per node "
                    + cpuText(cpuUsed, w.nodes()) + ", per raw txn " + cpuText(rawTrial.cpu(), rawTrial.committed()));
        }
        return new Result(
                w,
                Figure.of(rates),
                Figure.of(perNode),
                Figure.of(p50),
                Figure.of(p99),
                requests,
                Figure.of(selfCpu),
                Figure.of(etcdCpu),
                Figure.of(rawRates));
    }
}
