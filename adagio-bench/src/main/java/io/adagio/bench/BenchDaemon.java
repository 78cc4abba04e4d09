package io.adagio.bench;

import io.adagio.testkit.AdagiodProcess;
import java.nio.file.Path;
import java.util.List;

/** {@code bin/adagiod} of this checkout as its launcher starts it, on a free loopback port. */
final class BenchDaemon {
    private BenchDaemon() {}

    /** Starts {@code home/bin/adagiod} with {@code args} (plus {@code -listen}); returns once it listens. */
    static AdagiodProcess start(Path home, List<String> args) {
        var daemon =
                AdagiodProcess.builder().launcher(home.resolve("bin/adagiod")).args(args);
        // Measure the daemon as the launcher starts it, not with whatever options this shell carries
        // (the fixture passes no ADAGIOD_* on); ADAGIO_BENCH_DAEMON_JAVA_OPTS is for experiments (JVM
        // flags, native memory tracking).
        var experiment = System.getenv("ADAGIO_BENCH_DAEMON_JAVA_OPTS");
        if (experiment != null && !experiment.isBlank()) {
            daemon.env("ADAGIOD_JAVA_OPTS", experiment);
        }
        return daemon.startListening();
    }
}
