package io.adagio.client;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.wire.WireMapping;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.NoSuchElementException;

/**
 * A run's changes as the server sends them (the {@code Watch} stream): an iterator of
 * {@link WatchUpdate}s, the first holding the whole run, each later one the nodes that changed,
 * ending after the update in which the run is COMPLETED. {@link #hasNext()} blocks until the next
 * message arrives or the stream ends; a failure is an {@link AdagioClientException}. Close it to stop
 * watching early (the server then releases the watch). Not thread-safe, except {@link #close()}.
 */
public final class WatchStream implements Iterator<WatchUpdate>, AutoCloseable {
    private final GrpcTransport.Stream<WatchResponse> stream;
    private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
    private Run base;

    WatchStream(GrpcTransport.Stream<WatchResponse> stream) {
        this.stream = stream;
    }

    @Override
    public boolean hasNext() {
        return stream.hasNext();
    }

    @Override
    public WatchUpdate next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the watch has ended");
        }
        var message = stream.next();
        var conclusion = WireMapping.conclusion(message.getConclusion());
        if (message.hasRun()) {
            base = WireMapping.fromProto(message.getRun());
            nodes.clear();
            base.nodes().forEach(n -> nodes.put(n.name(), n));
            return new WatchUpdate(base, base.nodes(), conclusion, true);
        }
        if (base == null) {
            throw new AdagioClientException(
                    AdagioClientException.Code.INTERNAL,
                    stream.target(),
                    "the server's watch did not start with the run");
        }
        var changed = new ArrayList<Node>(message.getNodesCount());
        for (var proto : message.getNodesList()) {
            var node = WireMapping.fromProto(proto);
            if (nodes.replace(node.name(), node) != null) {
                changed.add(node);
            }
        }
        var status = switch (message.getStatus()) {
            case WAITING -> RunStatus.WAITING;
            case RUNNING -> RunStatus.RUNNING;
            case COMPLETED -> RunStatus.COMPLETED;
            case UNRECOGNIZED -> base.status();
        };
        // The server's conclusion, which knows the run's cancel mark; worked out from the nodes only
        // when a server sends none.
        var nodeList = new ArrayList<>(nodes.values());
        var run = conclusion == Conclusion.NONE
                ? new Run(base.id(), base.createdAt(), nodeList, base.edges(), status)
                : new Run(base.id(), base.createdAt(), nodeList, base.edges(), status, conclusion);
        return new WatchUpdate(run, changed, conclusion, false);
    }

    /** Stops watching. Idempotent. */
    @Override
    public void close() {
        stream.cancel();
    }
}
