package io.adagio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real {@code bin/adagiod} process on a free loopback port, stopped (SIGTERM) on close. */
final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;

    private DaemonProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code home/bin/adagiod} with {@code args} (plus {@code -listen}) and waits until it is healthy. */
    static DaemonProcess start(Path home, List<String> args) throws IOException, InterruptedException {
        var launcher = home.resolve("bin/adagiod");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException(launcher + " is missing: the daemon has not landed in this tree");
        }
        int port = freePort();
        var cmd = new ArrayList<String>();
        cmd.add(launcher.toString());
        cmd.addAll(args);
        cmd.addAll(List.of("-listen", "127.0.0.1:" + port));
        var log = Files.createTempFile("adagio-bench-adagiod-", ".log");
        var builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // Measure the daemon as the launcher starts it, not with whatever options this shell carries;
        // ADAGIO_BENCH_DAEMON_JAVA_OPTS is for experiments (JVM flags, native memory tracking).
        builder.environment().remove("ADAGIOD_JAVA_OPTS");
        var experiment = System.getenv("ADAGIO_BENCH_DAEMON_JAVA_OPTS");
        if (experiment != null && !experiment.isBlank()) {
            builder.environment().put("ADAGIOD_JAVA_OPTS", experiment);
        }
        var daemon = new DaemonProcess(builder.start(), log, port);
        try {
            daemon.awaitHealthy(Duration.ofSeconds(120));
        } catch (RuntimeException | InterruptedException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** VmRSS of the JVM, in MiB, from /proc (the launcher execs the JVM, so its pid is the JVM's). */
    double rssMiB() throws IOException {
        for (var line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                var kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return kb / 1024.0;
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + process.pid());
    }

    /** CPU time (user + system) the JVM has used so far, in clock ticks (1/100 s on Linux). */
    long cpuTicks() throws IOException {
        // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces, so count fields after ')'.
        var stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
    }

    /**
     * Waits until the daemon uses less than 5% of a core over a second: after a burst of work its
     * JIT compilers and collector go on for seconds, and a measurement taken then would time them too.
     * Returns how long it took; throws if it is not quiet by the deadline.
     */
    Duration awaitQuiet(Duration timeout) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long before = cpuTicks();
        while (System.nanoTime() < deadline) {
            // An outside process: its CPU time over an interval is the only signal there is.
            Thread.sleep(1_000);
            long now = cpuTicks();
            if (now - before < 5) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            before = now;
        }
        throw new IllegalStateException("adagiod still busy after " + timeout + " without load");
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("adagiod exited during start:\n" + log());
            }
            try {
                var r = http.send(
                        HttpRequest.newBuilder(URI.create("http://" + target() + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            // An outside process: nothing to wait on but time.
            Thread.sleep(100);
        }
        throw new IllegalStateException("adagiod not healthy after " + timeout + ":\n" + log());
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // harmless
        }
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
