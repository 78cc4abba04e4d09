package io.adagio.bench;

import io.adagio.bench.peer.ConductorPeer;
import io.adagio.testkit.etcd.EtcdCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adagio-bench}: see {@code bin/adagio-bench -help} and docs/PERFORMANCE.md. */
@Command(
        name = "adagio-bench",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Measures Adagio against its baselines: memory and etcd throughput, ready-to-claim latency,",
            "per-node cost as runs grow, the footprint of adagiod and the CLI, and the same workloads on a peer",
            "(Netflix Conductor with Redis, started locally). Prints a table; -out writes JSON."
        })
public final class BenchMain implements Callable<Integer> {
    static final List<String> SCENARIOS = List.of("memory", "etcd", "scaling", "footprint", "peer");

    /** The benchmarks write a lot of history; the etcd started here keeps only the recent part of it. */
    private static final List<String> OWN_ETCD_FLAGS = List.of(
            "--auto-compaction-mode",
            "revision",
            "--auto-compaction-retention",
            "10000",
            "--quota-backend-bytes",
            Long.toString(8L << 30));

    @Option(
            names = {"-quick", "--quick"},
            description = "Fewer trials: a few minutes on 2 cores (no peer comparison unless -only names it).")
    boolean quick;

    @Option(
            names = {"-out", "--out"},
            paramLabel = "FILE",
            description = "Write the results as JSON to FILE.")
    Path out;

    @Option(
            names = {"-etcd-addresses", "--etcd-addresses"},
            paramLabel = "URL[,URL...]",
            description = "Use this etcd (it must be idle); otherwise start one from the etcd binary.")
    String etcdAddresses;

    @Option(
            names = {"-only", "--only"},
            paramLabel = "SCENARIO[,...]",
            split = ",",
            description = "Run only these of: memory, etcd, scaling, footprint, peer (default: all).")
    List<String> only;

    @Option(
            names = {"-peer-cache", "--peer-cache"},
            paramLabel = "DIR",
            description = "Where the peer's server jar (Netflix Conductor, 108 MB) is downloaded once "
                    + "(default: $XDG_CACHE_HOME/adagio-bench or ~/.cache/adagio-bench).")
    Path peerCache;

    @Option(
            names = {"-agents", "--agents"},
            paramLabel = "N",
            defaultValue = "8",
            description = "Agent pool workers, baseline threads and raw etcd clients (default ${DEFAULT-VALUE}).")
    int agents;

    @Option(
            names = {"-trials", "--trials"},
            paramLabel = "N",
            description = "Measured trials per figure (default: 5 with -quick, 9 without; etcd 3 and 5).")
    Integer trials;

    @Option(
            names = {"-fanout-check", "--fanout-check"},
            description = "Instead of benchmarking: start bin/adagiod -agent-count 8, start 200 runs of a 52-node "
                    + "fan-out/fan-in graph over gRPC and check that all complete. Exit 0 when they do.")
    boolean fanoutCheck;

    @Option(
            names = {"-fanout-runs", "--fanout-runs"},
            paramLabel = "N",
            defaultValue = "200",
            hidden = true)
    int fanoutRuns;

    @Option(
            names = {"-fanout-nodes", "--fanout-nodes"},
            paramLabel = "N",
            defaultValue = "52",
            hidden = true)
    int fanoutNodes;

    @Option(
            names = {"-h", "-help", "--help"},
            usageHelp = true,
            description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        var progress = new Progress(System.err);
        var home =
                Path.of(System.getProperty("adagio.home", ".")).toAbsolutePath().normalize();
        if (fanoutCheck) {
            return new FanoutCheck(home, progress).run(fanoutRuns, fanoutNodes, 8, Duration.ofMinutes(5)) ? 0 : 1;
        }
        // The peer takes ~10 minutes on 2 cores, beyond -quick's budget: -quick runs it only when named.
        Set<String> scenarios = new LinkedHashSet<>(
                only != null && !only.isEmpty()
                        ? only
                        : quick
                                ? SCENARIOS.stream()
                                        .filter(s -> !s.equals("peer"))
                                        .toList()
                                : SCENARIOS);
        for (var s : scenarios) {
            if (!SCENARIOS.contains(s)) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "unknown scenario \"" + s + "\" in -only; choose from " + String.join(", ", SCENARIOS));
            }
        }
        if (agents < 1) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "-agents must be at least 1, got " + agents);
        }
        var config = quick ? Config.quick(agents) : Config.full(agents);
        if (trials != null) {
            config = config.withTrials(trials);
        }
        boolean needEtcd = scenarios.contains("etcd") || scenarios.contains("scaling");
        EtcdCluster ownEtcd = null;
        List<String> endpoints = List.of();
        String etcdWhere = "";
        try {
            if (needEtcd) {
                if (etcdAddresses != null) {
                    endpoints = Arrays.stream(etcdAddresses.split("\\s*,\\s*")).toList();
                    etcdWhere = "etcd at " + etcdAddresses;
                } else {
                    if (EtcdCluster.findBinary().isEmpty()) {
                        throw new IllegalStateException("the etcd binary was not found: install the etcd-server "
                                + "package, set ADAGIO_ETCD_BINARY, or give -etcd-addresses of a running etcd");
                    }
                    ownEtcd = EtcdCluster.start(1, OWN_ETCD_FLAGS);
                    endpoints = ownEtcd.clientUrls();
                    etcdWhere = "own etcd at " + ownEtcd.clientUrlsCsv() + ", data on disk";
                }
                progress.step("etcd: " + etcdWhere);
            }
            var report = new Report(config, etcdWhere);
            if (scenarios.contains("memory")) {
                report.memory = new MemoryBench(config, progress).run();
            }
            if (scenarios.contains("etcd")) {
                report.etcd = new EtcdBench(config, progress, endpoints).run();
            }
            if (scenarios.contains("scaling")) {
                var scaling = new ScalingBench(config, progress);
                report.scalingMemory = scaling.memory();
                report.scalingEtcd = scaling.etcd(endpoints);
            }
            if (scenarios.contains("footprint")) {
                report.footprint = new FootprintBench(home, progress, 10).run();
            }
            if (scenarios.contains("peer")) {
                report.peer = new PeerBench(
                                config, progress, peerCache != null ? peerCache : ConductorPeer.defaultCache())
                        .run();
            }
            report.print(System.out);
            if (out != null) {
                report.writeJson(out);
                progress.step("wrote " + out);
            }
            return 0;
        } finally {
            if (ownEtcd != null) {
                ownEtcd.close();
            }
        }
    }

    public static void main(String[] args) {
        var cli = new CommandLine(new BenchMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("adagio-bench: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        });
        System.exit(cli.execute(args));
    }
}
