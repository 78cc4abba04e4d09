package io.adagio.ui.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code adagiod} process (API and agent pool, memory backend) on a free loopback port, started
 * from this module's test classpath, with the test kit's client of its public HTTP/JSON API.
 */
final class Adagiod implements AutoCloseable {
    private final AdagiodProcess process;
    private final ApiClient api;
    final String baseUrl;

    private Adagiod(AdagiodProcess process, String baseUrl) {
        this.process = process;
        this.api = new ApiClient(baseUrl);
        this.baseUrl = baseUrl;
    }

    static Adagiod start() {
        // Its output also goes to target/adagiod-logs/, to read after a browser test went wrong.
        var process = AdagiodProcess.builder()
                .args("-listen", "127.0.0.1:0")
                .logFile(Path.of("target", "adagiod-logs", "adagiod-" + System.currentTimeMillis() + ".log"))
                .start();
        try {
            var daemon = new Adagiod(process, process.awaitApi(Duration.ofSeconds(60)));
            // Listening is not enough: the pages show agents, so wait until the pool has registered.
            await("adagiod answering on " + daemon.baseUrl)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> daemon.get("/v0/stats").has("stats") && daemon.agentCount() > 0);
            return daemon;
        } catch (RuntimeException | Error e) {
            process.close();
            throw new IllegalStateException("adagiod did not start; its log:\n" + process.log(), e);
        }
    }

    String url(String path) {
        return baseUrl + path;
    }

    JsonNode get(String path) {
        return api.getJson(path);
    }

    /** Starts a run from a graph spec (JSON text) and returns its ID. */
    String startRun(String specJson) {
        return api.startRun(specJson);
    }

    JsonNode run(String id) {
        return api.run(id);
    }

    /** Waits until the run is COMPLETED and returns it. */
    JsonNode awaitCompleted(String id) {
        return api.awaitCompleted(id, Duration.ofSeconds(60));
    }

    int agentCount() {
        return get("/v0/agents").path("agents").size();
    }

    String log() {
        return process.log();
    }

    @Override
    public void close() {
        process.close();
    }
}
