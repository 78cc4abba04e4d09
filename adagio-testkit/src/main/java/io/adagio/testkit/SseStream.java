package io.adagio.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Server-Sent Events stream read as a plain client would (curl -N): a GET with
 * {@code Accept: text/event-stream}, each event parsed from its {@code id:}, {@code event:} and
 * {@code data:} lines as it arrives, comments counted. Events are read on a thread of their own;
 * {@link #next} waits for the next one, {@link #awaitEnd} for the server to end the stream.
 */
public final class SseStream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One event: its id (null if it had none), its type ("message" unless named) and its data. */
    public record Event(String id, String type, String data) {
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("event data is not JSON: " + data, e);
            }
        }
    }

    /** What the queue holds after the last event: the stream ended (null: cleanly). */
    private record End(Throwable failure) {}

    private final HttpResponse<InputStream> response;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final Thread reader;
    private volatile boolean ended;

    private SseStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().name("sse-reader").start(this::read);
    }

    /**
     * Opens {@code baseUrl + path}, sending {@code headers} too ({@code Last-Event-ID},
     * {@code authorization}). The response's status and headers are known on return; events follow.
     */
    public static SseStream open(String baseUrl, String path, Map<String, String> headers) {
        var request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Accept", "text/event-stream")
                .GET();
        headers.forEach(request::header);
        try {
            return new SseStream(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    /** Comment lines ({@code : ...}) received so far: heartbeats. */
    public int comments() {
        return comments.get();
    }

    /** The next event, waiting up to {@code timeout}; an {@link AssertionError} if none comes or the stream ends. */
    public Event next(Duration timeout) {
        var item = take(timeout);
        if (item instanceof Event e) {
            return e;
        }
        queue.add(item); // keep the end for awaitEnd
        throw new AssertionError("the stream ended before another event: " + ((End) item).failure());
    }

    /** Waits until the server ends the stream, skipping events; an {@link AssertionError} on timeout. */
    public void awaitEnd(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            var item = take(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
            if (item instanceof End) {
                queue.add(item);
                return;
            }
        }
    }

    /** Whether the server ended the stream. */
    public boolean ended() {
        return ended;
    }

    private Object take(Duration timeout) {
        try {
            var item = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (item == null) {
                throw new AssertionError("nothing on the stream within " + timeout);
            }
            return item;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void read() {
        Throwable failure = null;
        try (var in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            StringBuilder data = null;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        queue.add(new Event(id, type == null ? "message" : type, data.toString()));
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> type = value;
                        case "data" ->
                            data = data == null
                                    ? new StringBuilder(value)
                                    : data.append('\n').append(value);
                        default -> {}
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        ended = true;
        queue.add(new End(failure));
    }

    /** Disconnects (as a client that goes away would). */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // closing anyway
        }
        reader.interrupt();
    }
}
