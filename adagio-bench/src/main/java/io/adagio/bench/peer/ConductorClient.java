package io.adagio.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The few calls of Conductor's REST API the bench makes, over java.net.http with Jackson. */
final class ConductorClient {
    /** A task handed to a worker: enough to complete it. */
    record PolledTask(String workflowInstanceId, String taskId) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String api;
    private final HttpClient http;

    ConductorClient(String baseUrl) {
        this.api = baseUrl + "/api";
        // HTTP/1.1: Conductor's Tomcat speaks no h2c, and an upgrade attempt on every request costs.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    void registerTaskDefinition(JsonNode definition) throws IOException {
        send("POST", "/metadata/taskdefs", MAPPER.createArrayNode().add(definition));
    }

    void putWorkflowDefinition(JsonNode definition) throws IOException {
        send("PUT", "/metadata/workflow", MAPPER.createArrayNode().add(definition));
    }

    /** Starts a workflow of the definition's latest version; returns its id. */
    String startWorkflow(String name) throws IOException {
        return send("POST", "/workflow/" + encode(name), MAPPER.createObjectNode())
                .strip();
    }

    /** The workflow's status (RUNNING, COMPLETED, FAILED, ...), without its tasks. */
    String workflowStatus(String workflowId) throws IOException {
        var body = send("GET", "/workflow/" + encode(workflowId) + "?includeTasks=false", null);
        return MAPPER.readTree(body).path("status").asText("");
    }

    /** Up to {@code count} tasks of the type, waiting up to {@code timeoutMillis} for the first. */
    List<PolledTask> pollBatch(String taskType, String workerId, int count, int timeoutMillis) throws IOException {
        var body = send(
                "GET",
                "/tasks/poll/batch/" + encode(taskType) + "?count=" + count + "&timeout=" + timeoutMillis + "&workerid="
                        + encode(workerId),
                null);
        var tasks = new ArrayList<PolledTask>();
        if (body.isBlank()) {
            return tasks;
        }
        for (var t : MAPPER.readTree(body)) {
            tasks.add(new PolledTask(
                    t.path("workflowInstanceId").asText(), t.path("taskId").asText()));
        }
        return tasks;
    }

    void complete(PolledTask task, String workerId) throws IOException {
        var result = MAPPER.createObjectNode();
        result.put("workflowInstanceId", task.workflowInstanceId());
        result.put("taskId", task.taskId());
        result.put("status", "COMPLETED");
        result.put("workerId", workerId);
        result.putObject("outputData");
        send("POST", "/tasks", result);
    }

    private String send(String method, String path, JsonNode body) throws IOException {
        var request = HttpRequest.newBuilder(URI.create(api + path))
                .timeout(Duration.ofSeconds(120))
                .header("Accept", "application/json, text/plain")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() / 100 != 2) {
                var text = response.body();
                throw new IOException(method + " " + path + " answered HTTP " + response.statusCode() + ": "
                        + text.substring(0, Math.min(300, text.length())));
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + method + " " + path, e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
