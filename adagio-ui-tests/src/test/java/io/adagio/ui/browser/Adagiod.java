package io.adagio.ui.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.io.IOException;
import java.nio.file.Files;
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

    private Adagiod(AdagiodProcess process, String baseUrl, String token) {
        this.process = process;
        var client = new ApiClient(baseUrl);
        this.api = token == null ? client : client.withHeader("Authorization", "Bearer " + token);
        this.baseUrl = baseUrl;
    }

    static Adagiod start() {
        return start(null);
    }

    /**
     * Starts adagiod with these extra options; {@code token} is what this helper's own API calls
     * send (for a daemon given {@code -auth-token-file}), or null.
     */
    static Adagiod start(String token, String... options) {
        // Its output also goes to target/adagiod-logs/, to read after a browser test went wrong.
        var process = AdagiodProcess.builder()
                .args("-listen", "127.0.0.1:0")
                .args(options)
                .logFile(Path.of("target", "adagiod-logs", "adagiod-" + System.nanoTime() + ".log"))
                .start();
        try {
            var daemon = new Adagiod(process, process.awaitApi(Duration.ofSeconds(60)), token);
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

    /**
     * Starts adagiod with {@code -auth-token-file} naming one user with {@code token}, which this
     * helper's own API calls send too.
     */
    static Adagiod startWithToken(String user, String token) throws IOException {
        Path tokenFile = Files.createTempFile("adagio-ui-tokens", ".txt");
        Files.writeString(tokenFile, user + ":" + token + "\n");
        tokenFile.toFile().deleteOnExit();
        return start(token, "-auth-token-file", tokenFile.toString());
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

    /** Cancels the run through the API and returns the run as the cancel answered it. */
    JsonNode cancel(String id) {
        var response = api.post("/v0/runs/" + id + "/cancel", "{}");
        if (response.statusCode() != 200) {
            throw new AssertionError("cancel answered " + response.statusCode() + ": " + response.body());
        }
        return ApiClient.json(response).path("run");
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

    /** Waits until adagiod has logged {@code text}. */
    void awaitLog(String text) {
        process.awaitLog(text, Duration.ofSeconds(30));
    }

    /** The number of runs, as the API counts them. */
    long runCount() {
        return get("/v0/stats").path("stats").path("run_count").asLong();
    }

    @Override
    public void close() {
        process.close();
    }
}
