package io.adagio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What a process on this (Linux) machine costs, read from {@code /proc/<pid>}. */
final class ProcessMeter {
    private final long pid;

    ProcessMeter(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    /** VmRSS in MiB (the launcher execs the JVM, so its pid is the JVM's). */
    double rssMiB() throws IOException {
        for (var line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                var kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return kb / 1024.0;
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    /** CPU time (user + system) used so far, in clock ticks (1/100 s on Linux). */
    long cpuTicks() throws IOException {
        // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces, so count fields after ')'.
        var stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
    }

    /**
     * Waits until the process uses less than 5% of a core over a second: after a burst of work a
     * JVM's compilers and collector go on for seconds, and a measurement taken then would time them
     * too. Returns how long it took; throws if it is not quiet by the deadline.
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
        throw new IllegalStateException("pid " + pid + " still busy after " + timeout + " without load");
    }
}
