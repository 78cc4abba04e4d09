package io.adagio.server.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RunUpdate;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.wire.WireMapping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.curioswitch.common.protobuf.json.MessageMarshaller;

/**
 * One run's watch updates as WatchResponse messages, in protobuf and in JSON (the protobuf JSON
 * mapping with the proto field names and default values, as the HTTP/JSON routes write). Shared by
 * every stream of the run in this server: an update the run's feed hands to many watchers (each
 * tick's, the snapshot) is one object, encoded here once per format for all of them
 * ({@link #message}); and each node is encoded once per state it reaches, so even an update made
 * for one slow watcher costs copies of bytes, not encodings.
 */
final class RunCodec {
    /** How many recent updates keep their encodings: a tick's, a snapshot, and a few slow watchers'. */
    private static final int RECENT = 16;

    private static final MessageMarshaller JSON = MessageMarshaller.builder()
            .register(WatchResponse.getDefaultInstance())
            .preservingProtoFieldNames(true)
            .includingDefaultValueFields(true)
            // One line: an SSE data line must not hold a line break.
            .omittingInsignificantWhitespace(true)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Stands for the nodes in a run's JSON; a NUL can only appear escaped in real JSON text. */
    private static final String NODES_MARK = "\u0000";

    private final ConcurrentHashMap<String, Encoded> nodes = new ConcurrentHashMap<>();
    /** The last updates asked for, most recent first; guarded by itself. */
    private final ArrayDeque<Message> recent = new ArrayDeque<>(RECENT);
    /** The run without its nodes, for the last status and conclusion asked for. */
    private volatile Shape shape;

    /** The run's fields but its nodes, as protobuf and as JSON split where the nodes go. */
    private record Shape(
            RunStatus status, Conclusion conclusion, io.adagio.proto.Run proto, String jsonBefore, String jsonAfter) {}

    /** A node in one state, encoded; the JSON on first use (a gRPC-only run never needs it). */
    private static final class Encoded {
        final Node node;
        final io.adagio.proto.Node proto;
        private volatile String json;

        Encoded(Node node) {
            this.node = node;
            this.proto = WireMapping.toProto(node);
        }

        String json() {
            var j = json;
            if (j == null) {
                j = write(proto);
                json = j;
            }
            return j;
        }
    }

    /**
     * An update's messages: the same for every stream that sends the same update (the same object),
     * each format encoded once, by the first stream that needs it.
     */
    Message message(RunUpdate update) {
        synchronized (recent) {
            for (var it = recent.iterator(); it.hasNext(); ) {
                var m = it.next();
                if (m.update == update) {
                    it.remove();
                    recent.addFirst(m);
                    return m;
                }
            }
            var m = new Message(update);
            if (recent.size() == RECENT) {
                recent.removeLast();
            }
            recent.addFirst(m);
            return m;
        }
    }

    /** One update's encodings, made on first use. */
    final class Message {
        private final RunUpdate update;
        private WatchResponse proto;
        private byte[] event;

        private Message(RunUpdate update) {
            this.update = update;
        }

        synchronized WatchResponse proto() {
            if (proto == null) {
                proto = RunCodec.this.proto(update);
            }
            return proto;
        }

        /** The update as a whole Server-Sent Event: its sequence as the id, the JSON as the data. */
        synchronized byte[] event() {
            if (event == null) {
                event = ("id: " + update.sequence() + "\ndata: " + json(update) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
            return event;
        }
    }

    private WatchResponse proto(RunUpdate update) {
        var b = WatchResponse.newBuilder()
                .setStatus(status(update.status()))
                .setConclusion(WireMapping.toProto(update.conclusion()));
        switch (update) {
            case RunUpdate.Snapshot s -> {
                var run = shape(s.run(), s.conclusion()).proto().toBuilder();
                for (var n : s.run().nodes()) {
                    run.addNodes(encoded(n).proto);
                }
                b.setRun(run);
            }
            case RunUpdate.Changes c -> {
                for (var n : c.nodes()) {
                    b.addNodes(encoded(n).proto);
                }
            }
        }
        return b.build();
    }

    /** The update as one line of JSON. */
    private String json(RunUpdate update) {
        var out = new StringBuilder(256);
        out.append('{');
        List<Node> changed = List.of();
        switch (update) {
            case RunUpdate.Snapshot s -> {
                var shape = shape(s.run(), s.conclusion());
                out.append("\"run\":").append(shape.jsonBefore());
                appendNodes(out, s.run().nodes());
                out.append(shape.jsonAfter()).append(',');
            }
            case RunUpdate.Changes c -> changed = c.nodes();
        }
        out.append("\"nodes\":");
        appendNodes(out, changed);
        out.append(",\"status\":\"")
                .append(status(update.status()).name())
                .append("\",\"conclusion\":\"")
                .append(WireMapping.toProto(update.conclusion()).name())
                .append("\"}");
        return out.toString();
    }

    private void appendNodes(StringBuilder out, List<Node> list) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(encoded(list.get(i)).json());
        }
        out.append(']');
    }

    private Encoded encoded(Node node) {
        var e = nodes.get(node.name());
        if (e == null || e.node != node) {
            e = new Encoded(node);
            nodes.put(node.name(), e);
        }
        return e;
    }

    private Shape shape(Run run, Conclusion conclusion) {
        var s = shape;
        if (s != null && s.status() == run.status() && s.conclusion() == conclusion) {
            return s;
        }
        var proto =
                WireMapping.toProto(new Run(run.id(), run.createdAt(), List.of(), run.edges(), run.status()))
                        .toBuilder()
                        .setConclusion(WireMapping.toProto(conclusion))
                        .build();
        try {
            var tree = (ObjectNode) MAPPER.readTree(write(proto));
            tree.putRawValue("nodes", new RawValue(NODES_MARK));
            var json = MAPPER.writeValueAsString(tree);
            int at = json.indexOf(NODES_MARK);
            s = new Shape(run.status(), conclusion, proto, json.substring(0, at), json.substring(at + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        shape = s;
        return s;
    }

    private static io.adagio.proto.Run.Status status(RunStatus status) {
        return switch (status) {
            case WAITING -> io.adagio.proto.Run.Status.WAITING;
            case RUNNING -> io.adagio.proto.Run.Status.RUNNING;
            case COMPLETED -> io.adagio.proto.Run.Status.COMPLETED;
        };
    }

    private static String write(com.google.protobuf.Message message) {
        try {
            return JSON.writeValueAsString(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
