package io.adagio.bench;

import io.adagio.proto.MetadataValue;
import io.adagio.proto.Node;
import io.adagio.proto.Run;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.testkit.etcd.EtcdCluster;
import io.adagio.wire.WireMapping;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Many Server-Sent Events watchers of one running run on {@code bin/adagiod -agent-count 8}
 * (memory backend, or etcd with {@code -watchers-backend etcd}): does every watcher see the completion, does the daemon's heap stay bounded, and
 * does the run take longer than without watchers? Trials with and without watchers alternate.
 *
 * <p>The run: a gate node ({@code exec sleep}) that lets every watcher connect and take the whole
 * run first, then 998 no-op nodes fanning out from it and one fanning them in. Its duration is the
 * store's own: the fan-in node's finish minus the gate's finish (Inspect's attempt times), so the
 * watchers' connection set-up is not in it.
 */
final class WatchersBench {
    private static final String STATUS_FIELD = "\"status\":\"";
    private static final Pattern HEAP_USED = Pattern.compile("total[^\\n]*used (\\d+)K");

    /** One trial: with {@code watchers} watchers (0 = the baseline). */
    record Trial(
            int watchers,
            double runMs,
            double fanInWaitMs,
            double cpuSeconds,
            double peakRssMiB,
            double heapAfterGcMiB,
            int sawCompletion,
            int connectedBeforeGate,
            long events) {}

    private final Path home;
    private final Progress progress;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    /** How long each fanned-out node sleeps (zero: a no-op). */
    private Duration nodeSleep = Duration.ZERO;

    WatchersBench(Path home, Progress progress) {
        this.home = home;
        this.progress = progress;
    }

    /**
     * Runs {@code rounds} pairs of trials on a daemon with {@code backend} (memory, or etcd: a
     * one-member etcd of the harness's own); true when every watcher of every trial saw the
     * completion.
     */
    boolean run(int watchers, int rounds, Duration gate, Duration nodeSleep, String backend) throws Exception {
        this.nodeSleep = nodeSleep;
        if (backend.equals("etcd")) {
            try (var etcd = EtcdCluster.start(1)) {
                return run(
                        watchers,
                        rounds,
                        gate,
                        List.of(
                                "-backend-type",
                                "etcd",
                                "-etcd-addresses",
                                String.join(",", etcd.clientUrls()),
                                "-etcd-namespace",
                                "watchers-" + System.currentTimeMillis()));
            }
        }
        return run(watchers, rounds, gate, List.of());
    }

    private boolean run(int watchers, int rounds, Duration gate, List<String> backendArgs) throws Exception {
        var args = new ArrayList<>(List.of("-agent-count", "8"));
        args.addAll(backendArgs);
        try (var daemon = BenchDaemon.start(home, args)) {
            var meter = new ProcessMeter(daemon.pid());
            progress.step("watchers: adagiod pid " + daemon.pid() + " on " + daemon.address());
            ManagedChannel channel = NettyChannelBuilder.forTarget(daemon.address())
                    .usePlaintext()
                    .maxInboundMessageSize(64 << 20)
                    .build();
            try {
                var stub = ControlPlaneGrpc.newBlockingStub(channel);
                var base = "http://" + daemon.address();
                // Warm-up: one trial of each kind, not counted.
                trial(stub, meter, base, 0, gate);
                trial(stub, meter, base, watchers, gate);
                var trials = new ArrayList<Trial>();
                for (int r = 0; r < rounds; r++) {
                    for (int n : new int[] {0, watchers}) {
                        var t = trial(stub, meter, base, n, gate);
                        progress.step("watchers: " + t);
                        trials.add(t);
                    }
                }
                return report(trials, watchers);
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private Trial trial(
            ControlPlaneGrpc.ControlPlaneBlockingStub stub,
            ProcessMeter meter,
            String base,
            int watchers,
            Duration gate)
            throws Exception {
        long cpuBefore = meter.cpuTicks();
        var id = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .start(StartRequest.newBuilder().setSpec(gated(gate, nodeSleep)).build())
                .getRun()
                .getId();
        var connected = new CountDownLatch(watchers);
        var ended = new CountDownLatch(watchers);
        var sawCompletion = new AtomicInteger();
        var events = new AtomicLong();
        var gateOpen = new AtomicBoolean();
        var early = new AtomicInteger();
        var threads = new ArrayList<Thread>();
        for (int i = 0; i < watchers; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    watch(base, id, connected, sawCompletion, events, gateOpen, early);
                } finally {
                    ended.countDown();
                }
            }));
        }
        // Peak RSS while the run goes on.
        var peak = new AtomicLong(Double.doubleToLongBits(meter.rssMiB()));
        var sampling = new AtomicBoolean(true);
        var sampler = Thread.ofVirtual().start(() -> {
            while (sampling.get()) {
                try {
                    double rss = meter.rssMiB();
                    peak.getAndUpdate(p -> Double.doubleToLongBits(Math.max(Double.longBitsToDouble(p), rss)));
                    Thread.sleep(100);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        connected.await(2, TimeUnit.MINUTES);
        Run run;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            run = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .inspect(InspectRequest.newBuilder().setId(id).build())
                    .getRun();
            if (!gateOpen.get() && run.getNodes(0).getStatus() == Node.Status.COMPLETED) {
                gateOpen.set(true);
            }
            if (run.getStatus() == Run.Status.COMPLETED || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(200);
        }
        if (!ended.await(2, TimeUnit.MINUTES)) {
            progress.step("watchers: " + ended.getCount() + " watchers did not end within 2 minutes");
            threads.forEach(Thread::interrupt);
        }
        sampling.set(false);
        sampler.join();
        long cpuAfter = meter.cpuTicks();
        if (run.getStatus() != Run.Status.COMPLETED || !GrpcClient.allSucceeded(run)) {
            throw new IllegalStateException("run " + id + " did not complete successfully: " + run.getStatus());
        }
        return new Trial(
                watchers,
                runMillis(run),
                fanInWaitMillis(run),
                (cpuAfter - cpuBefore) / 100.0,
                Double.longBitsToDouble(peak.get()),
                heapAfterGc(meter),
                sawCompletion.get(),
                watchers - early.get(),
                events.get());
    }

    /** The value of the last {@code "status":"..."} in an event's JSON, or {@code otherwise}. */
    static String lastStatus(String json, String otherwise) {
        int at = json.lastIndexOf(STATUS_FIELD);
        if (at < 0) {
            return otherwise;
        }
        int from = at + STATUS_FIELD.length();
        int to = json.indexOf('"', from);
        return to < 0 ? otherwise : json.substring(from, to);
    }

    /** One SSE watcher: counts events; sees the completion when the last one says COMPLETED and the stream ends. */
    private void watch(
            String base,
            String id,
            CountDownLatch connected,
            AtomicInteger sawCompletion,
            AtomicLong events,
            AtomicBoolean gateOpen,
            AtomicInteger late) {
        var request = HttpRequest.newBuilder(URI.create(base + "/v0/runs/" + id + "/watch"))
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        boolean first = true;
        String lastStatus = "";
        try {
            HttpResponse<java.util.stream.Stream<String>> response;
            for (int attempt = 1; ; attempt++) {
                try {
                    response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                    break;
                } catch (IOException e) {
                    // As a real client would: connect again (a pooled connection the server had closed).
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
            try (var lines = response.body()) {
                for (var it = lines.iterator(); it.hasNext(); ) {
                    var line = it.next();
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    events.incrementAndGet();
                    if (first) {
                        first = false;
                        if (gateOpen.get()) {
                            late.incrementAndGet();
                        }
                        connected.countDown();
                    }
                    // The run's own status is the message's last one (after the nodes and edges, by field
                    // order): found from the end, so that the harness's client does not scan each node's.
                    lastStatus = lastStatus(line, lastStatus);
                }
            }
            if (lastStatus.equals("COMPLETED")) {
                sawCompletion.incrementAndGet();
            }
        } catch (IOException e) {
            progress.step("watchers: a watcher failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (first) {
                connected.countDown();
            }
        }
    }

    /** From the gate's finish to the fan-in's finish, by the store's times. */
    private static double runMillis(Run run) {
        Instant gate = null;
        Instant last = null;
        for (var node : run.getNodesList()) {
            var finished =
                    Instant.parse(node.getAttempts(node.getAttemptsCount() - 1).getFinishedAt());
            if (node.getSpec().getName().equals("fan-out")) {
                gate = finished;
            } else if (last == null || finished.isAfter(last)) {
                last = finished;
            }
        }
        return Duration.between(gate, last).toNanos() / 1e6;
    }

    /** From the last of the parallel nodes' finish to the fan-in's: the hand-over of the last node. */
    private static double fanInWaitMillis(Run run) {
        Instant parallel = null;
        Instant fanIn = null;
        for (var node : run.getNodesList()) {
            var finished =
                    Instant.parse(node.getAttempts(node.getAttemptsCount() - 1).getFinishedAt());
            switch (node.getSpec().getName()) {
                case "fan-out" -> {}
                case "fan-in" -> fanIn = finished;
                default -> parallel = parallel == null || finished.isAfter(parallel) ? finished : parallel;
            }
        }
        return Duration.between(parallel, fanIn).toNanos() / 1e6;
    }

    /** The daemon's heap in use after a full collection (jcmd GC.run, then GC.heap_info). */
    private static double heapAfterGc(ProcessMeter meter) throws Exception {
        var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        jcmd(jcmd, meter, "GC.run");
        var info = jcmd(jcmd, meter, "GC.heap_info");
        long kb = 0;
        var m = HEAP_USED.matcher(info);
        while (m.find()) {
            kb += Long.parseLong(m.group(1));
        }
        return kb / 1024.0;
    }

    private static String jcmd(String jcmd, ProcessMeter meter, String command) throws Exception {
        var p = new ProcessBuilder(jcmd, Long.toString(meter.pid()), command)
                .redirectErrorStream(true)
                .start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private static io.adagio.proto.GraphSpec gated(Duration gate, Duration nodeSleep) {
        var spec = WireMapping.toProto(Shapes.fanOutFanIn(1000)).toBuilder();
        for (var node : spec.getNodesBuilderList()) {
            if (!nodeSleep.isZero()
                    && !node.getName().equals("fan-out")
                    && !node.getName().equals("fan-in")) {
                node.putMetadata(
                        "adagio.arguments.debug.sleep",
                        MetadataValue.newBuilder()
                                .addValues(nodeSleep.toMillis() + "ms")
                                .build());
            }
            if (node.getName().equals("fan-out")) {
                node.setRuntime("exec")
                        .putMetadata(
                                "adagio.arguments.exec.command",
                                MetadataValue.newBuilder().addValues("sleep").build())
                        .putMetadata(
                                "adagio.arguments.exec.args",
                                MetadataValue.newBuilder()
                                        .addValues(Double.toString(gate.toMillis() / 1000.0))
                                        .build());
            }
        }
        return spec.build();
    }

    private boolean report(List<Trial> trials, int watchers) {
        var without = trials.stream().filter(t -> t.watchers() == 0).toList();
        var with = trials.stream().filter(t -> t.watchers() == watchers).toList();
        var out = System.out;
        out.printf(
                "%n%d SSE watchers of one 1,000-node fan-out/fan-in run%s (median [min..max] of %d trials)%n",
                watchers,
                nodeSleep.isZero() ? "" : ", each fanned-out node sleeping " + nodeSleep.toMillis() + " ms",
                with.size());
        out.printf("%-34s %22s %22s%n", "", "no watchers", watchers + " watchers");
        row(out, "run time, gate to fan-in (ms)", without, with, Trial::runMs);
        row(out, "  of which: last node to fan-in (ms)", without, with, Trial::fanInWaitMs);
        row(out, "daemon CPU per trial (s)", without, with, Trial::cpuSeconds);
        row(out, "daemon peak RSS (MiB)", without, with, Trial::peakRssMiB);
        row(out, "daemon heap after full GC (MiB)", without, with, Trial::heapAfterGcMiB);
        row(out, "SSE events received (all watchers)", without, with, t -> (double) t.events());
        boolean all = with.stream().allMatch(t -> t.sawCompletion() == watchers);
        out.printf(
                "watchers that saw the completion: %s; connected before the gate opened: %s%n",
                with.stream().map(t -> t.sawCompletion() + "/" + watchers).toList(),
                with.stream().map(t -> t.connectedBeforeGate() + "/" + watchers).toList());
        return all;
    }

    private static void row(
            java.io.PrintStream out,
            String label,
            List<Trial> without,
            List<Trial> with,
            java.util.function.ToDoubleFunction<Trial> figure) {
        out.printf(
                "%-34s %22s %22s%n",
                label,
                Figure.of(without.stream().map(figure::applyAsDouble).toList()).describe(),
                Figure.of(with.stream().map(figure::applyAsDouble).toList()).describe());
    }
}
