package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** SIGTERM while a node runs: graceful shutdown (the node recorded as shut down) and exit code 0. */
class ShutdownEndToEndTest {

    @Test
    void sigtermMidRunRecordsTheRunningNodeAsErrorAndExitsZero() {
        try (var daemon =
                AdagiodProcess.start("-listen", "127.0.0.1:0", "-shutdown-grace", "500ms", "-log-level", "debug")) {
            var api = new ApiClient(daemon.awaitApi(Duration.ofSeconds(60)));
            String id = api.startRun("""
                    {"nodes": [{"name": "forever", "runtime": "debug",
                                "metadata": {"adagio.arguments.debug.sleep": {"values": ["10m"]}}},
                               {"name": "after", "runtime": "debug"}],
                     "edges": [{"source": "forever", "destination": "after"}]}""");
            Awaitility.await("node running")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> api.run(id)
                            .path("nodes")
                            .get(0)
                            .path("status")
                            .asText()
                            .equals("RUNNING"));

            daemon.terminate();

            assertThat(daemon.awaitExit(Duration.ofSeconds(30)))
                    .as(daemon.stderr())
                    .isZero();
            assertThat(daemon.stderr())
                    .contains("SIGTERM received")
                    .containsPattern("finished node \"forever\" of run " + id
                            + ": ERROR|stopping .*forever.*still running after the grace period")
                    .contains("errored=1")
                    .contains("adagiod stopped")
                    .doesNotContain("\tat ")
                    // the API's metrics are bound once: a second binding warned at every start
                    .doesNotContain("already registered");
        }
    }
}
