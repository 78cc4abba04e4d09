package io.adagio.ui.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * A real {@code adagiod} process (API and agent pool, memory backend) on a free loopback port, started
 * from this module's test classpath, with a small client of its public HTTP/JSON API.
 */
final class Adagiod implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path log;
    final String baseUrl;

    private Adagiod(Process process, Path log, String baseUrl) {
        this.process = process;
        this.log = log;
        this.baseUrl = baseUrl;
    }

    static Adagiod start() throws IOException {
        int port;
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path logDir = Files.createDirectories(Path.of("target", "adagiod-logs"));
        Path log = logDir.resolve("adagiod-" + port + ".log");
        // Surefire runs tests from a manifest-only jar; it publishes the real test classpath here.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, "io.adagio.daemon.Adagiod",
                "-listen", "127.0.0.1:" + port));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        var daemon = new Adagiod(process, log, "http://127.0.0.1:" + port);
        try {
            await("adagiod answering on port " + port)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("adagiod exited with " + process.exitValue()
                                    + "; its log:\n" + Files.readString(log));
                        }
                        return daemon.get("/v0/stats").has("stats") && daemon.agentCount() > 0;
                    });
        } catch (RuntimeException | Error e) {
            daemon.close();
            throw new IllegalStateException("adagiod did not start; its log:\n" + Files.readString(log), e);
        }
        return daemon;
    }

    String url(String path) {
        return baseUrl + path;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
    }

    /** Starts a run from a graph spec (JSON text) and returns its ID. */
    String startRun(String specJson) {
        try {
            String body = JSON.writeValueAsString(JSON.createObjectNode().set("spec", JSON.readTree(specJson)));
            JsonNode response = send(HttpRequest.newBuilder(URI.create(url("/v0/runs")))
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
        await("run " + id + " completed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
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

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
