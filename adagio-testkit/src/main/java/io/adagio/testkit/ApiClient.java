package io.adagio.testkit;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A plain client of the HTTP/JSON API ({@code /v0/...}) as an outside program would be: the JDK's
 * HTTP client speaking HTTP/1.1, like curl, and Jackson trees for the answers. The raw calls
 * ({@link #get}, {@link #put}, {@link #send}) return the response whatever its status, for tests of
 * errors; the others ({@link #getJson}, {@link #startRun}, {@link #run}) fail with an
 * {@link AssertionError} on anything but 200.
 */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    private final Map<String, String> headers;

    /** A client of the API at {@code baseUrl}, {@code http://HOST:PORT}. */
    public ApiClient(String baseUrl) {
        this(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl, Map.of());
    }

    private ApiClient(String baseUrl, Map<String, String> headers) {
        this.baseUrl = baseUrl;
        this.headers = headers;
    }

    /** The same client sending this header with every request too ({@code authorization}, say). */
    public ApiClient withHeader(String name, String value) {
        var more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiClient(baseUrl, Map.copyOf(more));
    }

    /** A client of that daemon's API, once it listens. */
    public static ApiClient of(AdagiodProcess daemon) {
        return new ApiClient("http://" + daemon.address());
    }

    public String baseUrl() {
        return baseUrl;
    }

    public URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    public HttpResponse<String> get(String path) {
        return send("GET", path, null);
    }

    public HttpResponse<String> put(String path, String json) {
        return send("PUT", path, json);
    }

    public HttpResponse<String> post(String path, String json) {
        return send("POST", path, json);
    }

    public HttpResponse<String> delete(String path) {
        return send("DELETE", path, null);
    }

    /** {@code method path} with a JSON body (content type {@code application/json}), or none if null. */
    public HttpResponse<String> send(String method, String path, String json) {
        return send(request(method, path, json));
    }

    /** Any request, for what the shortcuts do not cover (other headers, other bodies). */
    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(build(request), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The request without waiting for the answer: to have several in flight at once. */
    public CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, String json) {
        return HTTP.sendAsync(build(request(method, path, json)), HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code path} and returns its JSON answer. */
    public JsonNode getJson(String path) {
        return json(expectOk("GET " + path, get(path)));
    }

    /** Starts a run of the graph spec (JSON text) and returns its id. */
    public String startRun(String specJson) {
        var response = put("/v0/runs", "{\"spec\": " + specJson + "}");
        return json(expectOk("start", response)).path("run").path("id").asText();
    }

    /** The run as Inspect returns it. */
    public JsonNode run(String id) {
        return getJson("/v0/runs/" + id).path("run");
    }

    /** Waits until the run is COMPLETED and returns it. */
    public JsonNode awaitCompleted(String id, Duration timeout) {
        return await("run " + id + " completed")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> run(id),
                        run -> "COMPLETED".equals(run.path("status").asText()));
    }

    /** The body as a JSON tree; an {@link AssertionError} if it is not JSON. */
    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private HttpRequest.Builder request(String method, String path, String json) {
        var request = HttpRequest.newBuilder(uri(path))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("content-type", "application/json");
        }
        return request;
    }

    private HttpRequest build(HttpRequest.Builder request) {
        headers.forEach(request::header);
        return request.timeout(REQUEST_TIMEOUT).build();
    }

    private static HttpResponse<String> expectOk(String what, HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new AssertionError(what + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    @Override
    public String toString() {
        return "ApiClient[" + baseUrl + "]";
    }
}
