package io.adagio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.etcd.EtcdCluster;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The long haul: tens of thousands of seven-node runs through one {@code bin/adagiod} (API and
 * agents) under a retention policy, keeping a bounded number of runs in flight, and sampling over
 * time the throughput, the runs stored, etcd's database size and the daemon's heap (after a forced
 * full collection every few samples). State that stays bounded shows as flat lines. Writes JSON, CSV
 * and an SVG plot.
 */
final class Soak {
    /** Runs in flight at most: enough to keep the agents busy, few enough to measure steady state. */
    private static final int IN_FLIGHT_RUNS = 64;

    private static final int NODES_PER_RUN = 7;
    private static final int STARTERS = 4;
    /** A full collection is forced every this many samples (and at the start and the end). */
    private static final int GC_EVERY = 6;

    /**
     * @param backend            memory or etcd
     * @param runs               runs started in all
     * @param maxRuns            the daemon's -retention-max-runs
     * @param compactionInterval the daemon's -etcd-compaction-interval
     * @param sampleEvery        time between samples
     * @param outDir             where soak-BACKEND.json, .csv and .svg go
     */
    record Options(
            String backend,
            int runs,
            long maxRuns,
            Duration compactionInterval,
            Duration sampleEvery,
            Path outDir,
            int agents,
            String etcdAddresses) {}

    private final Path home;
    private final Progress progress;

    Soak(Path home, Progress progress) {
        this.home = home;
        this.progress = progress;
    }

    boolean run(Options o, PrintStream out) throws Exception {
        boolean etcd = o.backend().equals("etcd");
        EtcdCluster ownEtcd = null;
        Client etcdClient = null;
        List<String> endpoints = List.of();
        try {
            if (etcd) {
                if (o.etcdAddresses() != null) {
                    endpoints = List.of(o.etcdAddresses().split("\\s*,\\s*"));
                } else {
                    // No auto-compaction: what keeps the history bounded here is adagiod's own compaction.
                    ownEtcd = EtcdCluster.start(1, List.of("--quota-backend-bytes", Long.toString(8L << 30)));
                    endpoints = ownEtcd.clientUrls();
                }
                etcdClient = Client.builder()
                        .endpoints(endpoints.toArray(String[]::new))
                        .build();
            }
            var args = new ArrayList<>(List.of(
                    "-backend-type", o.backend(),
                    "-agent-count", Integer.toString(o.agents()),
                    "-retention-max-runs", Long.toString(o.maxRuns()),
                    "-etcd-compaction-interval", seconds(o.compactionInterval())));
            if (etcd) {
                args.addAll(List.of(
                        "-etcd-addresses",
                        String.join(",", endpoints),
                        "-etcd-namespace",
                        "soak-" + System.currentTimeMillis()));
            }
            progress.step("soak: starting bin/adagiod " + String.join(" ", args));
            try (var daemon = BenchDaemon.start(home, args);
                    var client = new GrpcClient(daemon.address())) {
                return soak(o, daemon, client, etcdClient, endpoints, out);
            }
        } finally {
            if (etcdClient != null) {
                etcdClient.close();
            }
            if (ownEtcd != null) {
                ownEtcd.close();
            }
        }
    }

    private boolean soak(
            Options o, AdagiodProcess daemon, GrpcClient client, Client etcd, List<String> endpoints, PrintStream out)
            throws Exception {
        var meter = new ProcessMeter(daemon.pid());
        var base = "http://" + daemon.address();
        meter.awaitQuiet(Duration.ofSeconds(60));
        double idleLiveHeap = liveHeap(daemon.pid(), base);
        double idleDb = etcd == null ? Double.NaN : dbSize(etcd, endpoints);
        double idleRss = meter.rssMiB();
        progress.step(String.format(
                Locale.ROOT,
                "soak: idle: heap after GC %.1f MiB, RSS %.0f MiB%s",
                idleLiveHeap / (1 << 20),
                idleRss,
                etcd == null ? "" : String.format(Locale.ROOT, ", etcd %.2f MiB", idleDb / (1 << 20))));

        var request = StartRequest.newBuilder()
                .setSpec(WireMapping.toProto(Shapes.sevenNodes()))
                .build();
        var started = new AtomicInteger();
        var allowance = new AtomicLong(IN_FLIGHT_RUNS * NODES_PER_RUN);
        var failures = new AtomicInteger();
        var activeNodes = new AtomicLong();
        var samples = new ArrayList<SoakSample>();
        long began = System.nanoTime();
        ExecutorService starters = Executors.newFixedThreadPool(STARTERS + 1);
        try {
            // The poller: how many nodes are still to run, and so how many more may be started.
            starters.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    var c = client.stats().getNodeCounts();
                    long active = c.getWaitingCount() + c.getReadyCount() + c.getRunningCount() + c.getOrphanedCount();
                    activeNodes.set(active);
                    allowance.set(IN_FLIGHT_RUNS * NODES_PER_RUN - active);
                    Thread.sleep(20);
                }
                return null;
            });
            for (int t = 0; t < STARTERS; t++) {
                starters.submit(() -> {
                    while (started.get() < o.runs()) {
                        if (allowance.addAndGet(-NODES_PER_RUN) < 0) {
                            allowance.addAndGet(NODES_PER_RUN);
                            Thread.sleep(1);
                            continue;
                        }
                        if (started.getAndIncrement() >= o.runs()) {
                            break;
                        }
                        try {
                            client.start(request);
                        } catch (RuntimeException e) {
                            if (failures.incrementAndGet() <= 3) {
                                progress.step("soak: a start failed: " + e.getMessage());
                            }
                        }
                    }
                    return null;
                });
            }
            long completedBefore = 0;
            double secondsBefore = 0;
            long deadline = began + Duration.ofHours(6).toNanos();
            for (int i = 1; ; i++) {
                Thread.sleep(o.sampleEvery().toMillis());
                boolean done = started.get() >= o.runs() && activeNodes.get() == 0;
                var sample = sample(client, daemon, meter, etcd, endpoints, began, i % GC_EVERY == 0 || done);
                double dt = sample.seconds() - secondsBefore;
                sample = withRate(sample, dt <= 0 ? 0 : (sample.completedRuns() - completedBefore) / dt);
                samples.add(sample);
                completedBefore = sample.completedRuns();
                secondsBefore = sample.seconds();
                progress.step(String.format(
                        Locale.ROOT,
                        "soak: %.0fs %d runs done (%.0f/s), %d stored, heap %.0f MiB%s%s",
                        sample.seconds(),
                        sample.completedRuns(),
                        sample.runsPerSecond(),
                        sample.storedRuns(),
                        sample.heapBytes() / (1 << 20),
                        Double.isNaN(sample.liveHeapBytes())
                                ? ""
                                : String.format(Locale.ROOT, " (live %.1f)", sample.liveHeapBytes() / (1 << 20)),
                        Double.isNaN(sample.dbBytes())
                                ? ""
                                : String.format(Locale.ROOT, ", etcd %.1f MiB", sample.dbBytes() / (1 << 20))));
                if (done || System.nanoTime() > deadline) {
                    break;
                }
            }
        } finally {
            starters.shutdownNow();
            starters.awaitTermination(30, TimeUnit.SECONDS);
        }
        double workSeconds = samples.getLast().seconds();
        // Retention catches up (one pass) and the history of the last interval is compacted away.
        long settleUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.stats().getRunCount() > o.maxRuns() && System.nanoTime() < settleUntil) {
            Thread.sleep(500);
        }
        var end = sample(client, daemon, meter, etcd, endpoints, began, true);
        samples.add(withRate(end, Double.NaN)); // after the workload: no rate to speak of
        double afterDefrag = etcd == null ? Double.NaN : defragmented(etcd, endpoints);

        var summary = new LinkedHashMap<String, Object>();
        summary.put("backend", o.backend());
        summary.put("runs", o.runs());
        summary.put("failed_starts", failures.get());
        summary.put("retention_max_runs", o.maxRuns());
        summary.put("etcd_compaction_interval_s", o.compactionInterval().toSeconds());
        summary.put("agents", o.agents());
        summary.put("work_seconds", workSeconds);
        summary.put("runs_per_second_first_quarter", rate(samples, 0, 0.25));
        summary.put("runs_per_second_last_quarter", rate(samples, 0.75, 1.0));
        summary.put(
                "stored_runs_max",
                samples.stream().mapToLong(SoakSample::storedRuns).max().orElse(0));
        summary.put("stored_runs_end", end.storedRuns());
        summary.put("idle_live_heap_mib", idleLiveHeap / (1 << 20));
        summary.put("end_live_heap_mib", end.liveHeapBytes() / (1 << 20));
        summary.put("max_live_heap_mib", max(samples, SoakSample::liveHeapBytes) / (1 << 20));
        summary.put("idle_rss_mib", idleRss);
        summary.put("end_rss_mib", end.rssMiB());
        if (etcd != null) {
            summary.put("idle_etcd_db_mib", idleDb / (1 << 20));
            summary.put("max_etcd_db_mib", max(samples, SoakSample::dbBytes) / (1 << 20));
            summary.put("end_etcd_db_mib", end.dbBytes() / (1 << 20));
            summary.put("end_etcd_db_in_use_mib", end.dbInUseBytes() / (1 << 20));
            summary.put("etcd_db_after_defrag_mib", afterDefrag / (1 << 20));
        }
        write(o, summary, samples);
        out.println("Soak (" + o.backend() + "): " + o.runs() + " seven-node runs, -retention-max-runs " + o.maxRuns()
                + (etcd == null ? "" : ", -etcd-compaction-interval " + seconds(o.compactionInterval())));
        summary.forEach((k, v) -> out.printf(
                Locale.ROOT, "  %-32s %s%n", k, v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : v));
        return failures.get() == 0;
    }

    private SoakSample sample(
            GrpcClient client,
            AdagiodProcess daemon,
            ProcessMeter meter,
            Client etcd,
            List<String> endpoints,
            long began,
            boolean forceGc)
            throws Exception {
        var base = "http://" + daemon.address();
        double live = forceGc ? liveHeap(daemon.pid(), base) : Double.NaN;
        // Runs completed = runs deleted + completed nodes stored / 7, read together: the deleted count
        // is read before and after the stats, again until no delete fell between (deletes come in passes).
        DaemonMetrics metrics;
        io.adagio.proto.Stats stats;
        double deleted;
        int tries = 0;
        do {
            deleted = DaemonMetrics.scrape(base).deletedRuns();
            stats = client.stats();
            metrics = DaemonMetrics.scrape(base);
        } while (metrics.deletedRuns() != deleted && ++tries < 20);
        long completed = (long) deleted + stats.getNodeCounts().getCompletedCount() / NODES_PER_RUN;
        double db = etcd == null ? Double.NaN : dbSize(etcd, endpoints);
        // In use, as the daemon last read it (etcd's status has it; jetcd does not show it).
        double inUse = etcd == null ? Double.NaN : metrics.sum("adagio_etcd_db_size_in_use_bytes", "");
        return new SoakSample(
                (System.nanoTime() - began) / 1e9,
                completed,
                0,
                stats.getRunCount(),
                db,
                inUse,
                metrics.heapUsedBytes(),
                live,
                meter.rssMiB());
    }

    private static SoakSample withRate(SoakSample s, double rate) {
        return new SoakSample(
                s.seconds(),
                s.completedRuns(),
                rate,
                s.storedRuns(),
                s.dbBytes(),
                s.dbInUseBytes(),
                s.heapBytes(),
                s.liveHeapBytes(),
                s.rssMiB());
    }

    /** Forces a full collection in the daemon (jcmd GC.run) and reads its heap in use right after. */
    private static double liveHeap(long pid, String base) throws IOException, InterruptedException {
        var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        var gc = new ProcessBuilder(jcmd, Long.toString(pid), "GC.run")
                .redirectErrorStream(true)
                .start();
        gc.getInputStream().readAllBytes();
        if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " GC.run failed");
        }
        return DaemonMetrics.scrape(base).heapUsedBytes();
    }

    /** The database size of the biggest member. */
    private static double dbSize(Client etcd, List<String> endpoints) throws Exception {
        double size = 0;
        for (var url : endpoints) {
            size = Math.max(
                    size,
                    etcd.getMaintenanceClient()
                            .statusMember(url)
                            .get(30, TimeUnit.SECONDS)
                            .getDbSize());
        }
        return size;
    }

    private static double defragmented(Client etcd, List<String> endpoints) throws Exception {
        for (var url : endpoints) {
            etcd.getMaintenanceClient().defragmentMember(url).get(5, TimeUnit.MINUTES);
        }
        return dbSize(etcd, endpoints);
    }

    /**
     * Runs completed per second between two fractions of the workload's steady part: the samples
     * before the last one of the workload (which ends within its interval) and the one after it.
     */
    private static double rate(List<SoakSample> samples, double from, double to) {
        var steady = samples.size() > 4 ? samples.subList(0, samples.size() - 2) : samples;
        int a = (int) Math.floor(from * (steady.size() - 1));
        int b = (int) Math.ceil(to * (steady.size() - 1));
        if (b <= a) {
            return Double.NaN;
        }
        var first = steady.get(a);
        var last = steady.get(b);
        return (last.completedRuns() - first.completedRuns()) / (last.seconds() - first.seconds());
    }

    private static double max(List<SoakSample> samples, java.util.function.ToDoubleFunction<SoakSample> f) {
        return samples.stream()
                .mapToDouble(f)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElse(Double.NaN);
    }

    private void write(Options o, Map<String, Object> summary, List<SoakSample> samples) throws IOException {
        Files.createDirectories(o.outDir());
        var name = "soak-" + o.backend();
        var csv = new StringBuilder(SoakSample.csvHeader()).append('\n');
        samples.forEach(s -> csv.append(s.csv()).append('\n'));
        Files.writeString(o.outDir().resolve(name + ".csv"), csv, StandardCharsets.UTF_8);
        var json = new LinkedHashMap<String, Object>(summary);
        json.put("samples", samples);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(o.outDir().resolve(name + ".json").toFile(), json);
        var sizes = new ArrayList<SoakPlot.Series>();
        if (o.backend().equals("etcd")) {
            sizes.add(new SoakPlot.Series("etcd database", "#d62728", SoakSample::dbBytes, false));
        }
        sizes.add(new SoakPlot.Series("daemon heap", "#1f77b4", SoakSample::heapBytes, false));
        sizes.add(new SoakPlot.Series("heap after full GC", "#2ca02c", SoakSample::liveHeapBytes, true));
        var panels = List.of(
                new SoakPlot.Panel("MiB", SoakPlot.MIB, sizes),
                new SoakPlot.Panel(
                        "runs stored",
                        1,
                        List.of(new SoakPlot.Series(
                                "runs stored (retention max-runs " + o.maxRuns() + ")",
                                "#9467bd",
                                SoakSample::storedRuns,
                                false))),
                new SoakPlot.Panel(
                        "runs/s",
                        1,
                        List.of(new SoakPlot.Series(
                                "runs completed per second", "#555555", SoakSample::runsPerSecond, false))));
        var title = String.format(
                Locale.ROOT,
                "Soak, %s backend: %,d seven-node runs, retention max-runs %,d%s",
                o.backend(),
                o.runs(),
                o.maxRuns(),
                o.backend().equals("etcd") ? ", compaction every " + seconds(o.compactionInterval()) : "");
        Files.writeString(
                o.outDir().resolve(name + ".svg"), SoakPlot.svg(title, samples, panels), StandardCharsets.UTF_8);
        progress.step("soak: wrote " + o.outDir().resolve(name + ".{json,csv,svg}"));
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + "s";
    }
}
