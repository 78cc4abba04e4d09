package io.adagio.cli;

import io.adagio.client.RunSummary;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code runs watch} where output is not a terminal (a pipe, a file, a CI log): the run's state
 * first, one line per node, then one line per node change as it arrives, never redrawn.
 */
final class ChangeLines {
    private record Seen(NodeStatus status, int attempts) {}

    private final PrintWriter out;
    private final Map<String, Seen> seen = new HashMap<>();

    ChangeLines(PrintWriter out) {
        this.out = out;
    }

    /** The first update: the run as it is. */
    void start(Run run) {
        var s = RunSummary.of(run);
        out.println("Run \"" + run.id() + "\" " + run.status() + ": " + s.done() + "/" + s.total() + " nodes done");
        for (var node : run.nodes()) {
            out.println(line(node));
            seen.put(node.name(), seen(node));
        }
        out.flush();
    }

    /** A later update: a line for each node whose status or attempts changed. */
    void changed(List<Node> nodes) {
        for (var node : nodes) {
            var now = seen(node);
            if (!now.equals(seen.put(node.name(), now))) {
                out.println(line(node));
            }
        }
        out.flush();
    }

    private static Seen seen(Node node) {
        return new Seen(node.status(), node.attempts().size());
    }

    static String line(Node node) {
        int attempts = node.attempts().size();
        String what = switch (node.status()) {
            case WAITING, READY ->
                attempts == 0
                        ? node.status().name()
                        : node.status() + " (after " + node.lastConclusion() + " on attempt " + attempts + ")";
            case RUNNING -> "RUNNING (attempt " + (attempts + 1) + ")";
            case NONE -> "ORPHANED (its agent was lost)";
            case COMPLETED ->
                attempts == 0
                        ? "UNREACHED (an upstream node did not succeed)"
                        : node.lastConclusion() + " (attempt " + attempts + ")";
        };
        return "node " + node.name() + ": " + what;
    }
}
