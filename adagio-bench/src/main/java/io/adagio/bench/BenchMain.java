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
    static final List<String> SCENARIOS =
            List.of("memory", "etcd", "scaling", "large", "large-memory", "large-etcd", "footprint", "peer");

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
            description = "Run only these of: memory, etcd, scaling, large (large-memory and large-etcd: one backend's "
                    + "half; the etcd one takes the longest), footprint, peer (default: all).")
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
            names = {"-watchers", "--watchers"},
            paramLabel = "N",
            description = "Instead of benchmarking: N Server-Sent Events watchers of one running 1,000-node run on "
                    + "bin/adagiod -agent-count 8, trials with and without them alternating; prints run time, daemon "
                    + "CPU, RSS and heap. Exit 0 when every watcher saw the run complete.")
    Integer watchers;

    @Option(
            names = {"-watchers-rounds", "--watchers-rounds"},
            paramLabel = "N",
            defaultValue = "3",
            description = "Trials of each kind with -watchers (default ${DEFAULT-VALUE}).")
    int watchersRounds;

    @Option(
            names = {"-watchers-node-ms", "--watchers-node-ms"},
            paramLabel = "MS",
            defaultValue = "0",
            description = "With -watchers: how long each of the run's 998 fanned-out nodes sleeps (default "
                    + "${DEFAULT-VALUE}: the run lasts tens of milliseconds; 5 makes it last about a second, so "
                    + "that watchers are sent updates while it moves).")
    int watchersNodeMs;

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
            names = {"-soak", "--soak"},
            description = "Instead of benchmarking: the long haul. Start bin/adagiod with a retention policy and "
                    + "run -runs seven-node runs through it, sampling runs/s, runs stored, etcd's database size "
                    + "and the daemon's heap over time; writes soak-BACKEND.{json,csv,svg} to -soak-out.")
    boolean soak;

    @Option(
            names = {"-watchers-backend", "--watchers-backend"},
            paramLabel = "memory|etcd",
            defaultValue = "memory",
            description = "With -watchers: the daemon's backend (default ${DEFAULT-VALUE}; etcd: a one-member "
                    + "etcd of the harness's own).")
    String watchersBackend;

    @Option(
            names = {"-backend", "--backend"},
            paramLabel = "etcd|memory",
            defaultValue = "etcd",
            description = "With -soak: the daemon's backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(
            names = {"-runs", "--runs"},
            paramLabel = "N",
            defaultValue = "20000",
            description = "With -soak: runs in all (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = {"-soak-max-runs", "--soak-max-runs"},
            paramLabel = "N",
            defaultValue = "1000",
            description = "With -soak: the daemon's -retention-max-runs (default ${DEFAULT-VALUE}).")
    long soakMaxRuns;

    @Option(
            names = {"-soak-compaction-interval", "--soak-compaction-interval"},
            paramLabel = "SECONDS",
            defaultValue = "60",
            description = "With -soak: the daemon's -etcd-compaction-interval in seconds (default ${DEFAULT-VALUE}).")
    int soakCompactionSeconds;

    @Option(
            names = {"-soak-sample", "--soak-sample"},
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "With -soak: seconds between samples (default ${DEFAULT-VALUE}).")
    int soakSampleSeconds;

    @Option(
            names = {"-soak-out", "--soak-out"},
            paramLabel = "DIR",
            defaultValue = "target/soak",
            description = "With -soak: where the results go (default ${DEFAULT-VALUE}).")
    Path soakOut;

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
        if (soak) {
            if (!List.of("etcd", "memory").contains(backend) || runs < 1 || soakMaxRuns < 0 || soakSampleSeconds < 1) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "-soak needs -backend etcd|memory, -runs of at least 1 and -soak-sample of at least 1");
            }
            var options = new Soak.Options(
                    backend,
                    runs,
                    soakMaxRuns,
                    Duration.ofSeconds(soakCompactionSeconds),
                    Duration.ofSeconds(soakSampleSeconds),
                    soakOut,
                    agents,
                    etcdAddresses);
            return new Soak(home, progress).run(options, System.out) ? 0 : 1;
        }
        if (watchers != null) {
            if (watchers < 1
                    || watchersRounds < 1
                    || watchersNodeMs < 0
                    || !List.of("etcd", "memory").contains(watchersBackend)) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "-watchers and -watchers-rounds must be at least 1, -watchers-node-ms at least 0, "
                                + "-watchers-backend memory or etcd");
            }
            return new WatchersBench(home, progress)
                            .run(
                                    watchers,
                                    watchersRounds,
                                    Duration.ofSeconds(4),
                                    Duration.ofMillis(watchersNodeMs),
                                    watchersBackend)
                    ? 0
                    : 1;
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
        boolean largeMemory = scenarios.contains("large") || scenarios.contains("large-memory");
        boolean largeEtcd = scenarios.contains("large") || scenarios.contains("large-etcd");
        boolean needEtcd = scenarios.contains("etcd") || scenarios.contains("scaling") || largeEtcd;
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
            var cleanup = new EtcdCleanup(ownEtcd != null);
            if (scenarios.contains("memory")) {
                report.memory = new MemoryBench(config, progress).run();
            }
            if (scenarios.contains("etcd")) {
                report.etcd = new EtcdBench(
                                config,
                                progress,
                                endpoints,
                                cleanup,
                                new CpuMeter(ownEtcd == null ? null : new ProcessMeter(ownEtcd.pid(0))))
                        .run();
            }
            if (scenarios.contains("scaling")) {
                var scaling = new ScalingBench(config, progress);
                report.scalingMemory = scaling.memory();
                report.scalingEtcd = scaling.etcd(endpoints, cleanup);
            }
            var large = new LargeBench(config, progress);
            if (largeMemory) {
                report.largeMemory = large.memory();
            }
            if (largeEtcd) {
                try {
                    report.largeEtcd = large.etcd(endpoints, cleanup);
                } catch (IllegalStateException e) {
                    // The other figures stand; this one is reported as not measured.
                    progress.step("large etcd: not measured: " + e.getMessage());
                }
            }
            if (ownEtcd != null) {
                // The scenarios left use no etcd. Left running, it went on compacting the big run's
                // history while the footprint timed the CLI (two shared cores; the CLI measured
                // ~265 ms after the large scenario, ~215 ms alone).
                ownEtcd.close();
                ownEtcd = null;
            }
            if (scenarios.contains("footprint")) {
                // 15 alternate calls each: a command's start varies by a third from one call to the
                // next on a busy machine, and the median of 10 moved the ratio by half a point.
                report.footprint = new FootprintBench(home, progress, 15).run();
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
                var series = CostPlot.of(report);
                if (!series.isEmpty()) {
                    var plot =
                            out.resolveSibling(out.getFileName().toString().replaceFirst("\\.json$", "") + "-cost.svg");
                    CostPlot.write(series, plot);
                    progress.step("wrote the per-node cost plot " + plot);
                }
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
