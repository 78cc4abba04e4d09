package io.adagio.ui.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adagio.testkit.AdagiodProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code adagiod} process (API and agent pool, memory backend) on a free loopback port, started
 * from this module's test classpath, with a small client of its public HTTP/JSON API.
 */
final class Adagiod implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final AdagiodProcess process;
    final String baseUrl;
    private final String token;

    private Adagiod(AdagiodProcess process, String baseUrl, String token) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.token = token;
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

    String url(String path) {
        return baseUrl + path;
    }

    JsonNode get(String path) {
        return send(
                authorized(HttpRequest.newBuilder(URI.create(url(path)))).GET().build());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    /** Starts a run from a graph spec (JSON text) and returns its ID. */
    String startRun(String specJson) {
        try {
            String body = JSON.writeValueAsString(JSON.createObjectNode().set("spec", JSON.readTree(specJson)));
            JsonNode response = send(authorized(HttpRequest.newBuilder(URI.create(url("/v0/runs"))))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body))
                    .build());
            return response.path("run").path("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode run(String id) {
        return get("/v0/runs/" + id).path("run");
    }

    /** Waits until the run is COMPLETED and returns it. */
    JsonNode awaitCompleted(String id) {
        await("run " + id + " completed")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "COMPLETED".equals(run(id).path("status").asText()));
        return run(id);
    }

    int agentCount() {
        return get("/v0/agents").path("agents").size();
    }

    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
