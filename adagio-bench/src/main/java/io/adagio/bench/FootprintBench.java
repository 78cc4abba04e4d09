package io.adagio.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a small installation costs: the resident memory of an idle {@code adagiod} (memory backend,
 * 5 agents) after it has done some work, and the wall time of {@code bin/adagio runs ls} against it.
 */
final class FootprintBench {
    /**
     * @param referenceMs the same listing by {@link #REFERENCE}, timed alternately with the CLI
     *                    (empty when curl is not installed)
     */
    record Result(Figure idleRssMiB, Figure cliRoundTripMs, String cliNote, Figure referenceMs) {}

    /** Listings served before the CLI is timed (each about 1.3 MB of JSON). */
    private static final int LISTING_WARM_UPS = 30;

    /** What the CLI's start is compared with: a native HTTP client listing the same runs. */
    static final String REFERENCE = "curl -s GET /v0/runs (HTTP/JSON, same 200 runs)";

    private final Path home;
    private final Progress progress;
    private final int cliRuns;

    FootprintBench(Path home, Progress progress, int cliRuns) {
        this.home = home;
        this.progress = progress;
        this.cliRuns = cliRuns;
    }

    Result run() throws Exception {
        try (var daemon = BenchDaemon.start(home, List.of("-agent-count", "5"))) {
            var meter = new ProcessMeter(daemon.pid());
            progress.step("footprint: adagiod pid " + daemon.pid() + " on " + daemon.address() + "; warming up");
            try (var client = new GrpcClient(daemon.address())) {
                // Warm-up: work through every path once (start, claim, finish, inspect, list).
                var ids = client.start(Shapes.sevenNodes(), 200, 4);
                var left = client.awaitCompleted(ids, Duration.ofMinutes(2));
                if (!left.isEmpty()) {
                    throw new IllegalStateException(left.size() + " warm-up runs did not complete:\n" + daemon.log());
                }
            }
            var cli = home.resolve("bin/adagio");
            Figure roundTrip = Figure.of(List.of());
            Figure reference = Figure.of(List.of());
            String note = null;
            if (Files.isExecutable(cli)) {
                // The first call may build, warm the page cache or write the CLI's class-data sharing
                // archive (bin/adagio makes one on first use): not a figure of the round trip.
                runCli(cli, daemon.address());
                // On JDK 25 that call also records the ahead-of-time cache in the background: let it finish.
                var aotLock = home.resolve("adagio-cli/target/adagio-cli.aot.lock");
                long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (Files.exists(aotLock) && System.nanoTime() < until) {
                    Thread.sleep(200);
                }
                progress.step("footprint: CLI start-up cache: "
                        + (Files.exists(home.resolve("adagio-cli/target/adagio-cli.aot"))
                                ? "JDK ahead-of-time cache"
                                : "class-data sharing archive"));
                if (!Files.exists(home.resolve("adagio-cli/target/adagio-cli.jsa"))) {
                    progress.step(
                            "footprint: warning: bin/adagio wrote no class-data sharing archive; its starts are slower");
                }
                // Both timed commands read the HTTP/JSON listing, which the warm-up above (gRPC) never
                // served: its first calls make adagiod's compilers work for seconds, on the 2 cores
                // the timed processes need (the CLI measured 260-390 ms instead of ~200 then).
                warmListing(daemon.address());
                // "Against an idle daemon": right after the warm-up its compilers still run for
                // seconds, and on 2 cores they slowed the CLI by half again.
                var settled = meter.awaitQuiet(Duration.ofSeconds(60));
                progress.step("footprint: adagiod idle after " + settled.toMillis() + " ms; timing bin/adagio runs ls");
                var times = new ArrayList<Double>();
                var curl = Path.of("/usr/bin/curl");
                boolean withCurl = Files.isExecutable(curl);
                var curlTimes = new ArrayList<Double>();
                if (withCurl) {
                    run(List.of(curl.toString(), "-sf", "-o", "/dev/null", "http://" + daemon.address() + "/v0/runs"));
                }
                // Alternately, so that other load on the machine weighs on both alike.
                for (int i = 0; i < cliRuns; i++) {
                    times.add(runCli(cli, daemon.address()));
                    if (withCurl) {
                        curlTimes.add(run(List.of(
                                curl.toString(), "-sf", "-o", "/dev/null", "http://" + daemon.address() + "/v0/runs")));
                    }
                }
                roundTrip = Figure.of(times);
                reference = Figure.of(curlTimes);
                if (withCurl) {
                    progress.step("footprint: curl GET /v0/runs " + reference.describe() + " ms; ratio "
                            + Figure.format(roundTrip.median() / reference.median()));
                }
                // Other work on the machine shows in a process start more than anywhere: say how much.
                progress.step("footprint: bin/adagio runs ls " + roundTrip.describe() + " ms (load average "
                        + Files.readString(Path.of("/proc/loadavg")).split(" ")[0] + ")");
            } else {
                note = cli + " is missing in this tree";
                progress.step("footprint: " + note + "; no CLI round trip measured");
            }
            // Idle: the daemon's agents poll, nothing else happens. The last requests leave work behind
            // for a few seconds: its compilers compile their code (13 MiB of compiler arenas, which the
            // JVM frees every 5 s), and glibc's heap keeps what was freed until adagiod trims it (every
            // second). So: quiet again, as before the CLI was timed, then 6 s, then sample. What it was
            // 3 s after the last request (before 2026-12-01's night, the figure) is printed beside.
            Thread.sleep(3_000);
            double soon = meter.rssMiB();
            meter.awaitQuiet(Duration.ofSeconds(60));
            Thread.sleep(6_000);
            var rss = new ArrayList<Double>();
            for (int i = 0; i < 5; i++) {
                rss.add(meter.rssMiB());
                Thread.sleep(500);
            }
            var idle = Figure.of(rss);
            if (System.getenv("ADAGIO_BENCH_NMT") != null) {
                var jcmd =
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                var p = new ProcessBuilder(jcmd, Long.toString(daemon.pid()), "VM.native_memory", "summary")
                        .redirectErrorStream(true)
                        .start();
                progress.step("footprint: native memory of the idle daemon\n"
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            progress.step("footprint: idle RSS " + idle.describe() + " MiB (3 s after the last request: "
                    + Figure.format(soon) + ")");
            return new Result(idle, roundTrip, note, reference);
        }
    }

    /** The HTTP/JSON listing, often enough that adagiod compiles the code that serves it. */
    private static void warmListing(String address) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var request = HttpRequest.newBuilder(URI.create("http://" + address + "/v0/runs"))
                    .build();
            for (int i = 0; i < LISTING_WARM_UPS; i++) {
                var response = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("GET /v0/runs answered " + response.statusCode());
                }
            }
        }
    }

    /** One {@code adagio runs ls}; its wall time in milliseconds. */
    private static double runCli(Path cli, String target) throws Exception {
        return run(List.of(cli.toString(), "-host", target, "runs", "ls"));
    }

    /** One run of {@code command}, which must succeed; its wall time in milliseconds. */
    private static double run(List<String> command) throws Exception {
        var output = Files.createTempFile("adagio-bench-cli-", ".out");
        try {
            long start = System.nanoTime();
            var p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish within 60s");
            }
            long nanos = System.nanoTime() - start;
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(output));
            }
            return nanos / 1e6;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
