package io.adagio.server;

import io.adagio.core.model.Edge;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import io.adagio.core.repository.RepositoryException;
import io.adagio.wire.WireMapping;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;

/**
 * Cuts a run into pages of nodes for {@code Inspect} (docs/ARCHITECTURE.md, "Paged inspection"). A
 * page holds the run's id, time and status, a slice of its nodes in spec order, and the edges whose
 * destination is among them, so that the pages together hold every node and edge exactly once.
 * Without a limit or token the whole run is one page, as the original protocol has it; a run too big
 * for one message is then refused with a hint to page. A node too big for a message by itself
 * comes alone, in a bigger page ({@link #MAX_NODE_ALONE_BYTES}).
 *
 * <p>The page token is opaque to clients: the next node's position and the run's id, checked like
 * any other input when it comes back.
 */
final class InspectPages {
    private static final String VERSION = "p1";
    /** Longer than any token this server hands out (a run id is 26 characters, a position 10 digits). */
    private static final int MAX_TOKEN_CHARS = 128;

    /** One page: the run with its slice of nodes and edges, and the token of the next page or "". */
    record Page(io.adagio.proto.Run run, String nextToken) {}

    /**
     * The most a page of one node may carry. A node can be bigger than a message by itself: a wide
     * fan-in holds every upstream node's output as an input (the sink of a 100,000-node fan-out/
     * fan-in of {@code debug} nodes, ~11 MB). The wire cannot carry part of a node, so such a node
     * comes alone in a page as big as it needs, up to this; paging clients accept big answers (the
     * Java client up to 256 MiB).
     */
    static final int MAX_NODE_ALONE_BYTES = 64 << 20;

    private final int maxMessageBytes;
    private final int maxAloneBytes;

    InspectPages(int maxMessageBytes) {
        this(maxMessageBytes, Math.max(maxMessageBytes, MAX_NODE_ALONE_BYTES));
    }

    /** @param maxAloneBytes the most a page of one node may carry (see {@link #MAX_NODE_ALONE_BYTES}) */
    InspectPages(int maxMessageBytes, int maxAloneBytes) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxAloneBytes = maxAloneBytes;
    }

    Page page(Run run, long nodeLimit, String token) {
        int from = token.isEmpty() ? 0 : position(token, run);
        if (nodeLimit == 0 && from == 0) {
            var whole = WireMapping.toProto(run);
            if (whole.getSerializedSize() > maxMessageBytes) {
                throw new RepositoryException.LimitExceeded(
                        "run \"" + run.id() + "\" has " + run.nodes().size()
                                + " nodes and " + run.edges().size() + " edges (" + whole.getSerializedSize()
                                + " bytes), more than one response carries (" + maxMessageBytes
                                + " bytes): ask for it in pages with node_limit and node_page_token");
            }
            return new Page(whole, "");
        }
        int remaining = run.nodes().size() - from;
        int count = nodeLimit == 0 ? remaining : (int) Math.min(remaining, nodeLimit);
        while (true) {
            var page = WireMapping.toProto(slice(run, from, count));
            int size = page.getSerializedSize();
            if (size <= maxMessageBytes || (count == 1 && size <= maxAloneBytes)) {
                int next = from + count;
                return new Page(page, next < run.nodes().size() ? token(next, run.id()) : "");
            }
            if (count == 1) {
                throw new RepositoryException.LimitExceeded(
                        "node \"" + run.nodes().get(from).name() + "\" of run \"" + run.id()
                                + "\" with its inputs and edges is " + size + " bytes, more than one response carries ("
                                + maxAloneBytes + " bytes)");
            }
            // At most node_limit nodes: fewer when that many would not fit in one message.
            count = Math.max(1, count / 2);
        }
    }

    private static Run slice(Run run, int from, int count) {
        List<Node> nodes = run.nodes().subList(from, from + count);
        var names = new HashSet<String>(nodes.size() * 2);
        for (var n : nodes) {
            names.add(n.name());
        }
        List<Edge> edges = run.edges().stream()
                .filter(e -> names.contains(e.destination()))
                .toList();
        // The whole run's conclusion: one page's nodes may not show it (the failed node on another page).
        return new Run(run.id(), run.createdAt(), nodes, edges, run.status(), run.conclusion());
    }

    static String token(int position, String runId) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((VERSION + ":" + position + ":" + runId).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a token points at in this run; a token that is not one of this run's is refused. */
    private static int position(String token, Run run) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw invalid("it is longer than any token this server hands out");
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("it is not a token this server handed out");
        }
        var parts = text.split(":", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION) || !parts[1].matches("[1-9][0-9]{0,9}")) {
            throw invalid("it is not a token this server handed out");
        }
        if (!parts[2].equals(run.id())) {
            throw invalid("it belongs to another run");
        }
        long position = Long.parseLong(parts[1]);
        if (position >= run.nodes().size()) {
            throw invalid("it points past the run's last node");
        }
        return (int) position;
    }

    private static RepositoryException.InvalidRequest invalid(String why) {
        return new RepositoryException.InvalidRequest(
                "invalid node_page_token: " + why + " (pass next_node_page_token of the previous response)");
    }
}
