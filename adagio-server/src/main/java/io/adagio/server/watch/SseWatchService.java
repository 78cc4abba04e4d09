package io.adagio.server.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.server.ErrorMapping;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v0/runs/{id}/watch}: the Watch RPC as Server-Sent Events. Each message is an event
 * with an {@code id:} (the update's sequence) and one {@code data:} line holding the WatchResponse
 * as JSON (the same mapping as the other HTTP/JSON routes). A client that reconnects with
 * {@code Last-Event-ID} receives what changed since that event, or the whole run again when that
 * cannot be told. An idle stream sends a comment now and then so that proxies keep it open. The
 * stream ends after the message in which the run is COMPLETED; a watch that cannot go on ends with
 * an {@code error} event holding {@code {"code", "grpc-code", "message"}}.
 */
public final class SseWatchService implements HttpService {
    /** The route, beside the transcoded ones. */
    public static final String PATH = "/v0/runs/{id}/watch";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final WatchHub hub;

    public SseWatchService(WatchHub hub) {
        this.hub = hub;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, com.linecorp.armeria.common.HttpRequest req) {
        if (!acceptsEventStream(req.headers())) {
            return error(
                    HttpStatus.NOT_ACCEPTABLE,
                    Status.INVALID_ARGUMENT.withDescription(
                            "this route answers text/event-stream only (send Accept: text/event-stream)"));
        }
        // A stream lasts as long as its run.
        ctx.clearRequestTimeout();
        var runId = ctx.pathParam("id");
        long after = lastEventId(req.headers());
        // Opening reads the run (a store round trip): off the event loop.
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> open(runId, after), ctx.blockingTaskExecutor()));
    }

    private HttpResponse open(String runId, long after) {
        var writer = HttpResponse.streaming();
        WatchSession session;
        try {
            session = hub.open(runId, after, opening -> new Sink(writer, opening));
        } catch (RuntimeException e) {
            writer.abort();
            var status = ErrorMapping.toStatus(e);
            return error(ErrorMapping.toHttpStatus(status), status);
        }
        // The client went away (or the stream ended): release the watch.
        writer.whenComplete().handle((ok, failure) -> {
            session.close();
            return null;
        });
        return writer;
    }

    static boolean acceptsEventStream(RequestHeaders headers) {
        if (!headers.contains(HttpHeaderNames.ACCEPT)) {
            return true;
        }
        for (var range : headers.accept()) {
            if (range.qualityFactor() > 0 && MediaType.EVENT_STREAM.belongsTo(range)) {
                return true;
            }
        }
        return false;
    }

    /** The sequence a reconnecting client saw last, or 0 (send the whole run) when it says none we can read. */
    static long lastEventId(RequestHeaders headers) {
        var value = headers.get("last-event-id");
        if (value == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static HttpResponse error(HttpStatus http, Status status) {
        return HttpResponse.of(http, MediaType.JSON_UTF_8, errorJson(status));
    }

    private static String errorJson(Status status) {
        var body = new LinkedHashMap<String, Object>();
        body.put("code", status.getCode().value());
        body.put("grpc-code", status.getCode().name());
        body.put("message", status.getDescription() == null ? status.getCode().name() : status.getDescription());
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Events into one response, written only when the client has taken the ones before. */
    private static final class Sink implements WatchSession.Sink {
        private final HttpResponseWriter writer;
        private final RunCodec codec;
        private final WatchSession session;
        private volatile CompletableFuture<Void> consumed = CompletableFuture.completedFuture(null);

        Sink(HttpResponseWriter writer, WatchHub.Opening opening) {
            this.writer = writer;
            this.codec = opening.codec();
            this.session = opening.session();
            writer.write(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.EVENT_STREAM)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                    // Tells nginx and the like not to buffer the stream.
                    .set("x-accel-buffering", "no")
                    .build());
        }

        @Override
        public boolean ready() {
            return writer.isOpen() && consumed.isDone();
        }

        @Override
        public void send(RunUpdate update) {
            // The same bytes for every stream that sends this update.
            write(HttpData.wrap(codec.message(update).event()));
        }

        @Override
        public void heartbeat() {
            write(": keep-alive\n\n");
        }

        @Override
        public void complete() {
            writer.close();
        }

        @Override
        public void fail(RepositoryException error) {
            write("event: error\ndata: " + errorJson(ErrorMapping.toStatus(error)) + "\n\n");
            writer.close();
        }

        private void write(String text) {
            write(HttpData.ofUtf8(text));
        }

        private void write(HttpData data) {
            if (writer.tryWrite(data)) {
                var next = writer.whenConsumed();
                consumed = next;
                next.thenRun(session::onReady);
            }
        }
    }
}
