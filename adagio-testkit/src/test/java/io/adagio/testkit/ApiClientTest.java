package io.adagio.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a stand-in server that records what it was sent and answers as told. */
class ApiClientTest {
    private record Seen(String method, String path, String contentType, List<String> authorization, String body) {}

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answer = "{\"run\": {\"id\": \"01ARZ3NDEKTSV4RRFFQ69G5FAV\", \"status\": \"COMPLETED\"}}";
    private HttpServer server;
    private ApiClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            var headers = exchange.getRequestHeaders();
            seen.add(new Seen(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(),
                    headers.getFirst("content-type"),
                    headers.getOrDefault("authorization", List.of()),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            var bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        client = new ApiClient("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void startRunPutsTheSpecAsJsonAndReturnsTheRunId() {
        assertThat(client.startRun("{\"nodes\": []}")).isEqualTo("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThat(seen)
                .singleElement()
                .isEqualTo(new Seen("PUT", "/v0/runs", "application/json", List.of(), "{\"spec\": {\"nodes\": []}}"));
    }

    @Test
    void aGetSendsNoBodyAndNoContentType() {
        assertThat(client.run("x").path("status").asText()).isEqualTo("COMPLETED");
        assertThat(seen).singleElement().isEqualTo(new Seen("GET", "/v0/runs/x", null, List.of(), ""));
    }

    @Test
    void aHeaderGivenOnceGoesWithEveryRequestOnce() {
        var authorized = client.withHeader("authorization", "Bearer t0ken");
        authorized.get("/v0/stats");
        authorized.sendAsync("POST", "/v0/runs", "{}").join();
        client.get("/v0/stats");

        assertThat(seen)
                .extracting(Seen::authorization)
                .containsExactly(List.of("Bearer t0ken"), List.of("Bearer t0ken"), List.of());
    }

    @Test
    void anythingButOkFailsTheCallsThatExpectItAndNotTheRawOnes() {
        status = 404;
        answer = "{\"message\": \"run \\\"x\\\" not found\"}";

        assertThatThrownBy(() -> client.run("x"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("404")
                .hasMessageContaining("not found");
        var raw = client.get("/v0/runs/x");
        assertThat(raw.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(raw).path("message").asText()).isEqualTo("run \"x\" not found");
    }
}
