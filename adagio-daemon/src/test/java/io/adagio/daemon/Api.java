package io.adagio.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP/JSON client of a daemon's /v0 routes (java.net.http, HTTP/1.1 like curl). */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String base;

    Api(String base) {
        this.base = base;
    }

    String base() {
        return base;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    HttpResponse<String> put(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json"));
    }

    /** Starts a run over HTTP and returns its id, failing the test on any other answer. */
    String start(String specJson) {
        var response = put("/v0/runs", "{\"spec\": " + specJson + "}");
        if (response.statusCode() != 200) {
            throw new AssertionError("start answered " + response.statusCode() + ": " + response.body());
        }
        return json(response).path("run").path("id").asText();
    }

    JsonNode run(String id) {
        var response = get("/v0/runs/" + id);
        if (response.statusCode() != 200) {
            throw new AssertionError("inspect answered " + response.statusCode() + ": " + response.body());
        }
        return json(response).path("run");
    }

    String stats() {
        return get("/v0/stats").body();
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
