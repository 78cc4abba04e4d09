package io.adagio.bench;

import java.time.Duration;
import java.util.List;

/**
 * The acceptance check of issue 7: an outside gRPC client starts 200 runs of a 52-node
 * fan-out/fan-in graph against {@code bin/adagiod -agent-count 8} and sees every one complete, every
 * node with one successful attempt.
 */
final class FanoutCheck {
    private final java.nio.file.Path home;
    private final Progress progress;

    FanoutCheck(java.nio.file.Path home, Progress progress) {
        this.home = home;
        this.progress = progress;
    }

    /** True when every run completed with every node succeeded. */
    boolean run(int runs, int nodes, int agents, Duration timeout) throws Exception {
        try (var daemon = BenchDaemon.start(home, List.of("-agent-count", Integer.toString(agents)))) {
            progress.step("fan-out check: adagiod -agent-count " + agents + " on " + daemon.address());
            try (var client = new GrpcClient(daemon.address())) {
                long start = System.nanoTime();
                var ids = client.start(Shapes.fanOutFanIn(nodes), runs, 8);
                progress.step("fan-out check: started " + ids.size() + " runs of " + nodes + " nodes over gRPC");
                var left = client.awaitCompleted(ids, timeout);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!left.isEmpty()) {
                    System.out.printf("FAIL: %d of %d runs not completed after %.1fs%n", left.size(), runs, seconds);
                    return false;
                }
                long bad = ids.stream()
                        .filter(id -> !GrpcClient.allSucceeded(client.inspect(id)))
                        .count();
                if (bad > 0) {
                    System.out.printf(
                            "FAIL: %d of %d runs completed with a node that did not succeed once%n", bad, runs);
                    return false;
                }
                System.out.printf(
                        "OK: %d runs x %d nodes (%,d nodes) all completed, every node with one SUCCESS attempt, "
                                + "in %.1fs (%,.0f nodes/s) against adagiod -agent-count %d%n",
                        runs, nodes, (long) runs * nodes, seconds, runs * nodes / seconds, agents);
                return true;
            }
        }
    }
}
