package io.adagio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Everything measured: printed as a table, written as the JSON of issue 7. */
final class Report {
    List<MemoryBench.Result> memory;
    EtcdBench.Results etcd;
    ScalingBench.Result scalingMemory;
    ScalingBench.Result scalingEtcd;
    FootprintBench.Result footprint;
    LargeBench.Result largeMemory;
    LargeBench.Result largeEtcd;
    PeerBench.Result peer;

    private final Config config;
    private final String etcdWhere;

    Report(Config config, String etcdWhere) {
        this.config = config;
        this.etcdWhere = etcdWhere;
    }

    Double memoryRatio() {
        return memory == null
                ? null
                : memory.getFirst().ours().median()
                        / memory.getFirst().baseline().median();
    }

    Double etcdEfficiency() {
        return etcd == null ? null : etcd.efficiency();
    }

    /** The JSON of issue 7, exactly its shape; a figure not measured is null. */
    ObjectNode json() {
        var mapper = new ObjectMapper();
        var root = mapper.createObjectNode();
        var m = root.putObject("memory");
        if (memory != null) {
            var head = memory.getFirst();
            m.put("nodes_per_s", round(head.ours().median(), 0));
            m.put("baseline_nodes_per_s", round(head.baseline().median(), 0));
            m.put("ratio", round(memoryRatio(), 3));
        } else {
            m.putNull("nodes_per_s").putNull("baseline_nodes_per_s").putNull("ratio");
        }
        var e = root.putObject("etcd");
        if (etcd != null) {
            e.put("nodes_per_s", round(etcd.headline().nodesPerSecond().median(), 1));
            e.put("raw_txn_per_s", round(etcd.headline().rawTxnPerSecond().median(), 1));
            e.put("efficiency", round(etcd.efficiency(), 3));
            e.put("ready_to_claim_p50_ms", round(etcd.latency().readyP50Ms().median(), 2));
            e.put("ready_to_claim_p99_ms", round(etcd.latency().readyP99Ms().median(), 2));
        } else {
            e.putNull("nodes_per_s")
                    .putNull("raw_txn_per_s")
                    .putNull("efficiency")
                    .putNull("ready_to_claim_p50_ms")
                    .putNull("ready_to_claim_p99_ms");
        }
        var s = root.putObject("scaling");
        putOrNull(s, "memory_ratio", scalingMemory == null ? null : round(scalingMemory.ratio(), 3));
        putOrNull(s, "etcd_ratio", scalingEtcd == null ? null : round(scalingEtcd.ratio(), 3));
        var l = root.putObject("large");
        putOrNull(
                l,
                "memory_100k_s",
                largeMemory == null ? null : round(largeMemory.seconds100k().median(), 2));
        putOrNull(
                l,
                "etcd_100k_s",
                largeEtcd == null ? null : round(largeEtcd.seconds100k().median(), 2));
        putOrNull(l, "memory_ratio_100k_to_1k", largeMemory == null ? null : round(largeMemory.ratio(), 3));
        putOrNull(l, "etcd_ratio_100k_to_1k", largeEtcd == null ? null : round(largeEtcd.ratio(), 3));
        var f = root.putObject("footprint");
        putOrNull(
                f,
                "adagiod_idle_rss_mb",
                footprint == null ? null : round(footprint.idleRssMiB().median(), 1));
        putOrNull(
                f,
                "cli_roundtrip_ms",
                footprint == null || footprint.cliRoundTripMs().trials() == 0
                        ? null
                        : round(footprint.cliRoundTripMs().median(), 1));
        var c = root.putObject("cli");
        boolean compared = footprint != null
                && footprint.cliRoundTripMs().trials() > 0
                && footprint.referenceMs().trials() > 0;
        putOrNull(c, "ours_ms", compared ? round(footprint.cliRoundTripMs().median(), 1) : null);
        putOrNull(c, "reference_ms", compared ? round(footprint.referenceMs().median(), 1) : null);
        putOrNull(
                c,
                "ratio",
                compared
                        ? round(
                                footprint.cliRoundTripMs().median()
                                        / footprint.referenceMs().median(),
                                2)
                        : null);
        if (compared) {
            c.put("reference", FootprintBench.REFERENCE);
        } else {
            c.putNull("reference");
        }
        PeerSection.json(root.putObject("peer"), peer, config.quick());
        return root;
    }

    void writeJson(Path file) throws IOException {
        var mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, mapper.writeValueAsString(json()) + "\n");
    }

    private static void putOrNull(ObjectNode node, String field, Double value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    static Double round(Double v, int digits) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return null;
        }
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    void print(PrintStream out) {
        out.println();
        out.printf(
                "Adagio benchmark: %d cores, Java %s, %d agents; %s: figures are medians of %d trials after %d "
                        + "warm-up (memory workloads: %d; etcd: %d after %d or more, until %,d nodes were executed),"
                        + " [min..max] beside%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                config.agents(),
                config.quick() ? "-quick" : "full",
                config.trials(),
                config.warmups(),
                config.memoryWarmups(),
                config.etcdTrials(),
                config.etcdWarmups(),
                config.etcdWarmupNodes());
        if (memory != null) {
            out.println();
            out.println(
                    "MEMORY BACKEND  nodes/s; baseline = same graphs on a JDK thread pool of the same size running the same debug function, no repository");
            row(out, "workload", "ours (agent pool + memory)", "baseline", "bare JDK pool (no work)", "ours/baseline");
            for (var r : memory) {
                row(
                        out,
                        r.workload().name(),
                        r.ours().describe(),
                        r.baseline().describe(),
                        r.bare().describe(),
                        r.ratio().describe());
            }
        }
        if (etcd != null) {
            out.println();
            out.println("ETCD BACKEND  (" + etcdWhere + ") API and agents as two clients of one etcd");
            row(out, "workload", "nodes/s", "etcd requests/node", "ready->claim p50 ms", "p99 ms");
            var all = new ArrayList<>(etcd.workloads());
            all.add(etcd.latency());
            for (var r : all) {
                row(
                        out,
                        r.workload().name(),
                        r.nodesPerSecond().describe(),
                        r.requestsPerNode().describe(),
                        r.readyP50Ms().describe(),
                        r.readyP99Ms().describe());
            }
            out.printf(
                    "raw compare-and-put txn/s, %d jetcd clients: %s; one transaction's p99 %s ms (the floor under"
                            + " ready->claim, which waits for at least the claim's transaction)%n",
                    config.agents(),
                    etcd.rawTxnPerSecond().describe(),
                    etcd.rawTxnP99Ms().describe());
            out.printf(
                    "efficiency = %s nodes/s / (%s raw txn/s between its trials / 2) = %.3f (%s)%n",
                    Figure.format(etcd.headline().nodesPerSecond().median()),
                    Figure.format(etcd.headline().rawTxnPerSecond().median()),
                    etcd.efficiency(),
                    etcd.headline().workload().name());
            out.println(
                    "etcd requests of the last " + etcd.headline().workload().name() + " trial: "
                            + etcd.headline().requests());
            out.printf(
                    "CPU, microseconds: %s per node in this process and %s in etcd (%s); %s and %s per raw"
                            + " transaction. When the cores are what limits both, efficiency is about"
                            + " 2 x (raw txn's CPU) / (node's CPU)%n",
                    etcd.headline().selfCpuUsPerNode().describe(),
                    etcd.headline().etcdCpuUsPerNode().describe(),
                    etcd.headline().workload().name(),
                    etcd.rawSelfCpuUsPerTxn().describe(),
                    etcd.rawEtcdCpuUsPerTxn().describe());
        }
        if (scalingMemory != null || scalingEtcd != null) {
            out.println();
            out.println(
                    "SCALING  wall-clock microseconds per node, fan-out/fan-in runs of each size, same total nodes");
            row(out, "run size", "memory us/node", "etcd us/node", "", "");
            for (int size : List.of(10, 100, 1_000, 10_000)) {
                row(out, Integer.toString(size), point(scalingMemory, size), point(scalingEtcd, size), "", "");
            }
            row(
                    out,
                    "largest/smallest",
                    scalingMemory == null ? "-" : String.format("%.3f", scalingMemory.ratio()),
                    scalingEtcd == null ? "-" : String.format("%.3f", scalingEtcd.ratio()),
                    "",
                    "");
        }
        for (var large : java.util.Arrays.asList(largeMemory, largeEtcd)) {
            if (large != null) {
                out.println();
                out.printf(
                        "LARGE %s  %s: %s s; us/node %s, vs %s: %s; ratio %.3f%n",
                        large.backend(),
                        LargeBench.LARGE.name(),
                        large.seconds100k().describe(),
                        large.microsPerNode100k().describe(),
                        "runs of 1,000 (10 layers x 100)",
                        large.microsPerNode1k().describe(),
                        large.ratio());
            }
        }
        if (footprint != null) {
            out.println();
            out.println("FOOTPRINT  adagiod, memory backend, 5 agents, idle after 200 runs");
            out.println(
                    "idle RSS (VmRSS) MiB:            " + footprint.idleRssMiB().describe());
            out.println("bin/adagio runs ls, ms:          "
                    + (footprint.cliNote() != null
                            ? footprint.cliNote()
                            : footprint.cliRoundTripMs().describe()));
            if (footprint.referenceMs().trials() > 0) {
                out.println("reference, ms:                   "
                        + footprint.referenceMs().describe() + "  ("
                        + FootprintBench.REFERENCE + "; ratio "
                        + String.format(
                                "%.2f",
                                footprint.cliRoundTripMs().median()
                                        / footprint.referenceMs().median())
                        + ")");
            }
        }
        if (peer != null) {
            PeerSection.print(out, peer);
        }
        out.println();
        out.println("TARGETS");
        // The first benchmark's targets were 0.25, 0.5 and 50 ms; the large-run issue raised them to
        // these (closer to the machine's limits), and a run that meets these meets those.
        target(out, "memory ratio >= 0.5", memoryRatio(), v -> v >= 0.5);
        target(out, "etcd efficiency >= 0.85", etcdEfficiency(), v -> v >= 0.85);
        target(
                out,
                "etcd ready_to_claim_p99_ms <= 10",
                etcd == null ? null : etcd.latency().readyP99Ms().median(),
                v -> v <= 10);
        target(out, "scaling memory_ratio <= 1.5", scalingMemory == null ? null : scalingMemory.ratio(), v -> v <= 1.5);
        target(out, "scaling etcd_ratio <= 1.5", scalingEtcd == null ? null : scalingEtcd.ratio(), v -> v <= 1.5);
        target(
                out,
                "adagiod idle RSS <= 200 MB",
                footprint == null ? null : footprint.idleRssMiB().median(),
                v -> v <= 200);
        target(
                out,
                "CLI round trip <= 500 ms",
                footprint == null || footprint.cliRoundTripMs().trials() == 0
                        ? null
                        : footprint.cliRoundTripMs().median(),
                v -> v <= 500);
        target(
                out,
                "large memory_ratio_100k_to_1k <= 1.5",
                largeMemory == null ? null : largeMemory.ratio(),
                v -> v <= 1.5);
        target(out, "large etcd_ratio_100k_to_1k <= 1.5", largeEtcd == null ? null : largeEtcd.ratio(), v -> v <= 1.5);
        target(
                out,
                "CLI / reference (curl) <= 6",
                footprint == null
                                || footprint.cliRoundTripMs().trials() == 0
                                || footprint.referenceMs().trials() == 0
                        ? null
                        : footprint.cliRoundTripMs().median()
                                / footprint.referenceMs().median(),
                v -> v <= 6);
    }

    private static String point(ScalingBench.Result r, int size) {
        if (r == null) {
            return "-";
        }
        return r.points().stream()
                .filter(p -> p.runSize() == size)
                .findFirst()
                .map(p -> p.microsPerNode().describe() + " (" + p.runs() + " runs)")
                .orElse("-");
    }

    private static void target(PrintStream out, String what, Double value, java.util.function.DoublePredicate ok) {
        if (value == null || value.isNaN()) {
            out.printf("  %-36s %12s  not measured%n", what, "-");
        } else {
            out.printf("  %-36s %12s  %s%n", what, Figure.format(value), ok.test(value) ? "met" : "NOT MET");
        }
    }

    private static void row(PrintStream out, String a, String b, String c, String d, String e) {
        out.printf("  %-30s %-28s %-28s %-26s %s%n", a, b, c, d, e);
    }
}
