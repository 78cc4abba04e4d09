package io.adagio.cli;

import io.adagio.client.RunSummary;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.Stats;
import io.adagio.core.model.StorageUsage;
import io.adagio.core.protocol.Timestamps;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How runs, stats and agents look on the terminal, and as Graphviz (their JSON: {@link JsonPrinters}). */
final class Printers {
    /** Lines of a node's output shown by the pretty printer. */
    static final int OUTPUT_LINES = 5;

    private Printers() {}

    // ---- runs ls ----

    /** The runs' table on {@code out} ({@code adagio runs ls}), or on {@code err} that there are none. */
    static void runs(List<Run> runs, Instant now, PrintWriter out, PrintWriter err) {
        if (runs.isEmpty()) {
            err.println("No runs found.");
            return;
        }
        var table = new Table("ID", "CREATED", "STATUS", "CONCLUSION", "NODES", "DURATION");
        for (Run run : runs) {
            var s = RunSummary.of(run);
            table.row(
                    run.id(),
                    Times.shortTime(run.createdAt()),
                    run.status(),
                    conclusion(s),
                    s.done() + "/" + s.total(),
                    Times.duration(s.duration(now)));
        }
        table.print(out);
    }

    // ---- words ----

    /**
     * A run's conclusion as {@code runs ls} shows it: SUCCESS, FAIL, ERROR or CANCELLED once it is
     * completed; FAILING while a node has failed and others go on; "-" before.
     */
    static String conclusion(RunSummary s) {
        return switch (s.outcome()) {
            case PENDING -> "-";
            case FAILING -> "FAILING";
            case SUCCEEDED, FAILED, CANCELLED -> s.conclusion().name();
        };
    }

    /** What a completed node came to: its conclusion, or UNREACHED. */
    static String nodeConclusion(Node node) {
        var conclusion = RunSummary.conclusionOf(node);
        return conclusion == Conclusion.NONE ? "UNREACHED" : conclusion.name();
    }

    /** What a node came to: its conclusion or UNREACHED, or its status while it is not done. */
    static String nodeState(Node node) {
        if (node.status() == NodeStatus.COMPLETED) {
            return nodeConclusion(node);
        }
        return node.status() == NodeStatus.NONE ? "ORPHANED" : node.status().name();
    }

    /** "node d failed (FAIL after 1 attempt); unreached: e, g; cancelled: h". */
    static String failureText(RunSummary s) {
        var parts = new java.util.ArrayList<String>();
        if (!s.failed().isEmpty()) {
            parts.add((s.failed().size() == 1 ? "node " : "nodes ")
                    + s.failed().stream()
                            .map(n -> n.name() + " (" + RunSummary.conclusionOf(n) + " after "
                                    + plural(n.attempts().size(), "attempt") + ")")
                            .collect(Collectors.joining(", "))
                    + " failed");
        }
        if (!s.unreached().isEmpty()) {
            parts.add("unreached: " + s.unreached().stream().map(Node::name).collect(Collectors.joining(", ")));
        }
        if (!s.cancelled().isEmpty()) {
            parts.add("cancelled: " + s.cancelled().stream().map(Node::name).collect(Collectors.joining(", ")));
        }
        return parts.isEmpty() ? "not completed" : String.join("; ", parts);
    }

    static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    // ---- pretty ----

    /**
     * A summary of the run, a table of its nodes (status, conclusion, attempts, when the last attempt
     * started relative to the run and how long it took), a table of every attempt (its conclusion,
     * start, duration and agent), and the first lines of the output of each node's last attempt.
     */
    static void pretty(Run run, Instant now, PrintWriter out) {
        var s = RunSummary.of(run);
        var head = new Table("", "");
        head.row("Run:", run.id());
        head.row("Created:", Timestamps.format(run.createdAt()));
        head.row("Status:", run.status());
        head.row(
                "Conclusion:",
                switch (s.outcome()) {
                    case PENDING -> "- (not completed)";
                    case SUCCEEDED -> "SUCCESS";
                    case FAILED, FAILING, CANCELLED -> conclusion(s) + ": " + failureText(s);
                });
        head.row(
                "Nodes:",
                s.done() + "/" + s.total() + " done" + (s.running() > 0 ? ", " + s.running() + " running" : ""));
        head.row("Duration:", Times.duration(s.duration(now)) + (s.completed() ? "" : " so far"));
        head.printWithoutHeader(out);
        out.println();

        var nodes = new Table("NODE", "RUNTIME", "STATUS", "CONCLUSION", "ATTEMPTS", "STARTED", "DURATION");
        for (var node : run.nodes()) {
            nodes.row(
                    node.name(),
                    node.spec().runtime(),
                    status(node, now),
                    node.status() == NodeStatus.COMPLETED ? nodeConclusion(node) : "-",
                    node.attempts().size(),
                    started(run, node),
                    nodeDuration(node, now));
        }
        nodes.print(out);
        attempts(run, out);

        boolean heading = false;
        for (var node : run.nodes()) {
            if (node.attempts().isEmpty()) {
                continue;
            }
            var lines = node.attempts().getLast().outputText().strip().lines().toList();
            if (lines.isEmpty()) {
                continue;
            }
            if (!heading) {
                out.println();
                out.println("Output (last attempt, first " + OUTPUT_LINES + " lines):");
                heading = true;
            }
            out.println("  " + node.name() + " [" + node.lastConclusion() + "]:");
            lines.stream().limit(OUTPUT_LINES).forEach(l -> out.println("    " + l.stripTrailing()));
            if (lines.size() > OUTPUT_LINES) {
                out.println("    ... (" + plural(lines.size() - OUTPUT_LINES, "more line") + ")");
            }
        }
    }

    /** Every attempt of every node: its conclusion, start (from the run's creation), duration and agent. */
    private static void attempts(Run run, PrintWriter out) {
        if (run.nodes().stream().allMatch(n -> n.attempts().isEmpty())) {
            return;
        }
        var table = new Table("NODE", "#", "CONCLUSION", "STARTED", "DURATION", "AGENT");
        for (var node : run.nodes()) {
            int number = 0;
            for (Result attempt : node.attempts()) {
                number++;
                table.row(
                        node.name(),
                        number,
                        attempt.conclusion(),
                        since(run, attempt.startedAt()),
                        attempt.startedAt() == null || attempt.finishedAt() == null
                                ? "-"
                                : Times.duration(Duration.between(attempt.startedAt(), attempt.finishedAt())),
                        attempt.agentId() == null || attempt.agentId().isEmpty() ? "-" : attempt.agentId());
            }
        }
        out.println();
        out.println("Attempts:");
        table.print(out);
    }

    /** The node's status; a retry waiting out its backoff says how long it still waits. */
    private static String status(Node node, Instant now) {
        if (node.status() == NodeStatus.NONE) {
            return "ORPHANED";
        }
        if (node.status() == NodeStatus.READY
                && node.notBefore() != null
                && node.notBefore().isAfter(now)) {
            return "READY (retry in " + Times.duration(Duration.between(now, node.notBefore())) + ")";
        }
        return node.status().name();
    }

    /** A node never attempted (unreached, cancelled before it ran) has no start worth showing. */
    private static boolean attempted(Node node) {
        return !node.attempts().isEmpty() || node.status() == NodeStatus.RUNNING;
    }

    private static String started(Run run, Node node) {
        return attempted(node) ? since(run, node.startedAt()) : "-";
    }

    private static String since(Run run, Instant t) {
        if (t == null || run.createdAt() == null) {
            return "-";
        }
        return "+" + Times.duration(Duration.between(run.createdAt(), t));
    }

    private static String nodeDuration(Node node, Instant now) {
        if (node.startedAt() == null || !attempted(node)) {
            return "-";
        }
        if (node.finishedAt() != null) {
            return Times.duration(Duration.between(node.startedAt(), node.finishedAt()));
        }
        return node.status() == NodeStatus.RUNNING
                ? Times.duration(Duration.between(node.startedAt(), now)) + "…"
                : "-";
    }

    // ---- Graphviz ----

    /**
     * Colours by what a node came to: green succeeded, red failed, orange error, sand cancelled,
     * grey unreached; blue running, yellow ready, white waiting, lilac orphaned.
     */
    static String colour(Node node) {
        return switch (node.status()) {
            case COMPLETED ->
                switch (RunSummary.conclusionOf(node)) {
                    case SUCCESS -> "#9be7a0";
                    case FAIL -> "#f4a3a3";
                    case ERROR -> "#f8c471";
                    case CANCELLED -> "#d9c8a9";
                    case NONE -> "#dddddd";
                };
            case RUNNING -> "#9ecbf5";
            case READY -> "#fff2a8";
            case WAITING -> "#ffffff";
            case NONE -> "#d7bdf2";
        };
    }

    /** The run as a Graphviz digraph: one box per node, coloured by its state, and every edge. */
    static String dot(Run run) {
        var b = new StringBuilder();
        var s = RunSummary.of(run);
        b.append("digraph ").append(quote(run.id())).append(" {\n");
        b.append("  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=")
                .append(quote("run " + run.id() + " · " + run.status() + (s.completed() ? " · " + conclusion(s) : "")))
                .append("];\n");
        b.append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
        for (var node : run.nodes()) {
            String state = nodeState(node);
            b.append("  ")
                    .append(quote(node.name()))
                    .append(" [label=")
                    .append(quote(node.name() + "\n" + node.spec().runtime() + " · " + state
                            + (node.attempts().size() > 1
                                    ? " (" + node.attempts().size() + " attempts)"
                                    : "")))
                    .append(", fillcolor=")
                    .append(quote(colour(node)));
            if (state.equals("UNREACHED")) {
                b.append(", style=\"rounded,filled,dashed\"");
            }
            b.append("];\n");
        }
        for (Edge e : run.edges()) {
            b.append("  ")
                    .append(quote(e.source()))
                    .append(" -> ")
                    .append(quote(e.destination()))
                    .append(";\n");
        }
        return b.append("}\n").toString();
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    // ---- stats and agents ----

    /** @param storage how full the store is, or null when the server does not say (memory backend) */
    static void stats(Stats stats, StorageUsage storage, PrintWriter out) {
        var c = stats.nodeCounts();
        var t = new Table("", "");
        t.row("Runs:", stats.runCount());
        t.row("Nodes:", c.total());
        t.row("  waiting", c.waiting());
        t.row("  ready", c.ready());
        t.row("  running", c.running());
        t.row("  completed", c.completed());
        t.row("  orphaned", c.orphaned());
        if (storage != null) {
            t.row("Storage:", storage(storage));
        }
        t.printWithoutHeader(out);
    }

    /** "10.4 MiB of 2.0 GiB quota (0.5%), 3.1 MiB in use", and what is wrong when it is. */
    static String storage(StorageUsage s) {
        var b = new StringBuilder(bytes(s.sizeBytes()));
        if (s.quotaBytes() > 0) {
            b.append(" of ")
                    .append(bytes(s.quotaBytes()))
                    .append(" quota (")
                    .append(String.format(Locale.ROOT, "%.1f%%", 100 * s.fractionOfQuota()))
                    .append(')');
        }
        if (s.inUseBytes() >= 0) {
            b.append(", ").append(bytes(s.inUseBytes())).append(" in use");
        }
        if (s.full()) {
            b.append("; FULL: etcd refuses writes (NOSPACE alarm), see docs/OPERATIONS.md");
        } else if (s.fractionOfQuota() > 0.8) {
            b.append("; above 80% of the quota: delete runs, or compact and defragment etcd");
        }
        return b.toString();
    }

    /** A byte count for people: 512 B, 20.0 KiB, 10.4 MiB, 2.0 GiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** The agents' table on {@code out}, or on {@code err} that there are none. */
    static void agents(List<Agent> agents, PrintWriter out, PrintWriter err) {
        if (agents.isEmpty()) {
            err.println("No agents connected.");
            return;
        }
        var t = new Table("ID", "RUNTIMES");
        for (var a : agents) {
            t.row(a.id(), String.join(",", a.runtimes().stream().sorted().toList()));
        }
        t.print(out);
    }
}
