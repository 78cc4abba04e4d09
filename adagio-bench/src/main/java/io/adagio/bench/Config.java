package io.adagio.bench;

import java.time.Duration;

/**
 * How much to measure: the number of trials (after warm-up trials that are not counted) and the
 * sizes of the workloads.
 *
 * @param agents     workers in the agent pool, threads in the baselines, clients of the raw etcd rate
 * @param warmups    trials run first and thrown away (JIT compilation, connection set-up)
 * @param memoryWarmups the same for the memory workloads: eight, as the agent pool's rate still
 *                   rose over the trials after four (docs/PERFORMANCE.md, "Method")
 * @param etcdWarmups the same with etcd, at least: three, as its code paths (claims from events,
 *                   journals, background recording) reach steady state only after several thousand
 *                   nodes
 * @param etcdWarmupNodes how many nodes the etcd workloads execute in warm-up trials before the
 *                   first one measured, at least: this process's CPU per node (and the raw
 *                   transaction's) fell until some 30,000 nodes were executed (docs/PERFORMANCE.md,
 *                   "Method")
 * @param trials     trials measured per figure
 * @param rawSeconds how long one trial of the raw etcd transaction rate lasts
 * @param minTrialSeconds how long a trial in memory lasts at least (the workload is repeated)
 */
record Config(
        boolean quick,
        int agents,
        int warmups,
        int memoryWarmups,
        int trials,
        int etcdWarmups,
        int etcdWarmupNodes,
        int etcdTrials,
        double rawSeconds,
        double minTrialSeconds,
        int memoryDag,
        int memorySevenRuns,
        int memoryChain,
        int etcdDag,
        int etcdSevenRuns,
        int etcdChain,
        int scalingMemoryTotal,
        int scalingEtcdTotal,
        Duration timeout) {

    static Config quick(int agents) {
        return new Config(
                true,
                agents,
                // Two were not enough: the agent pool's first measured trial was still the slowest
                // (docs/PERFORMANCE.md, "Method").
                4,
                8,
                7,
                3,
                40_000,
                5,
                2.0,
                0.5,
                10_000,
                2_000,
                1_000,
                2_000,
                300,
                200,
                10_000,
                1_000,
                Duration.ofMinutes(3));
    }

    static Config full(int agents) {
        return new Config(
                false,
                agents,
                3,
                8,
                11,
                3,
                40_000,
                7,
                5.0,
                1.0,
                10_000,
                2_000,
                1_000,
                2_000,
                300,
                300,
                10_000,
                2_000,
                Duration.ofMinutes(5));
    }

    Config withTrials(int n) {
        return new Config(
                quick,
                agents,
                warmups,
                memoryWarmups,
                n,
                etcdWarmups,
                etcdWarmupNodes,
                n,
                rawSeconds,
                minTrialSeconds,
                memoryDag,
                memorySevenRuns,
                memoryChain,
                etcdDag,
                etcdSevenRuns,
                etcdChain,
                scalingMemoryTotal,
                scalingEtcdTotal,
                timeout);
    }
}
