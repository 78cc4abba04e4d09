package io.adagio.cli;

import io.adagio.client.RunSummary;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code runs watch} on a terminal: a table of the run's nodes redrawn in place (on the terminal's
 * alternate screen, as {@code top} and {@code watch} do, so lines that wrap cannot garble it), with a
 * status line and progress bar. A run with more nodes than the screen has rows shows those that
 * matter first (running, orphaned, ready, failed, waiting) and counts the rest. When the run
 * completes, the screen is left and the final table printed where the command was typed.
 */
final class LiveTable {
    private static final String ALTERNATE_SCREEN = "\u001b[?1049h";
    private static final String MAIN_SCREEN = "\u001b[?1049l";
    private static final String HOME = "\u001b[H";
    private static final String CLEAR_LINE = "\u001b[K";
    private static final String CLEAR_BELOW = "\u001b[J";
    private static final int BAR_WIDTH = 24;

    private final PrintWriter out;
    private final int rows;
    private final int columns;
    private Run run;
    private boolean onScreen;

    /** A table for a terminal of {@code rows} × {@code columns}. */
    LiveTable(PrintWriter out, int rows, int columns) {
        this.out = out;
        this.rows = Math.max(8, rows);
        this.columns = Math.max(40, columns);
    }

    synchronized void show(Run run) {
        this.run = run;
        if (!onScreen) {
            out.print(ALTERNATE_SCREEN);
            onScreen = true;
        }
        var text = new StringBuilder(HOME);
        for (var line : render(run, rows - 1, Instant.now())) {
            text.append(clip(line)).append(CLEAR_LINE).append('\n');
        }
        out.print(text.append(CLEAR_BELOW));
        out.flush();
    }

    /** Draws the last state again: durations of running nodes move on. */
    synchronized void tick() {
        if (onScreen && run != null) {
            show(run);
        }
    }

    /** Leaves the screen (also when interrupted) and prints the last table in full below the command. */
    synchronized void leave(boolean printLast) {
        if (onScreen) {
            out.print(MAIN_SCREEN);
            onScreen = false;
        }
        if (printLast && run != null) {
            for (var line : render(run, Integer.MAX_VALUE, Instant.now())) {
                out.println(line);
            }
        }
        out.flush();
    }

    private String clip(String line) {
        return line.length() <= columns ? line : line.substring(0, columns - 1) + "…";
    }

    /** The status line and the table, at most {@code maxLines} lines. */
    static List<String> render(Run run, int maxLines, Instant now) {
        var lines = new ArrayList<String>();
        var s = RunSummary.of(run);
        int filled = s.total() == 0 ? 0 : s.done() * BAR_WIDTH / s.total();
        lines.add("Run " + run.id() + "  " + run.status() + "  [" + "#".repeat(filled)
                + ".".repeat(BAR_WIDTH - filled) + "] " + s.done() + "/" + s.total() + " done, " + s.running()
                + " running, " + s.failed().size() + " failed  " + Times.duration(s.duration(now)));
        lines.add("");
        int room = maxLines - lines.size() - 1; // the header row
        var nodes = run.nodes();
        List<Node> shown = nodes;
        String more = null;
        if (nodes.size() > room) {
            shown = nodes.stream()
                    .sorted(Comparator.comparingInt(LiveTable::rank))
                    .limit(Math.max(0, room - 1))
                    .toList();
            var left = nodes.size() - shown.size();
            more = "… and " + left + " more node" + (left == 1 ? "" : "s");
            // Keep the run's order among those shown.
            var keep = new java.util.HashSet<>(shown);
            shown = nodes.stream().filter(keep::contains).toList();
        }
        var table = new Table("NODE", "STATUS", "ATTEMPTS", "STARTED", "DURATION");
        for (var node : shown) {
            table.row(
                    node.name(),
                    Printers.nodeState(node),
                    node.attempts().size(),
                    Times.shortTime(node.startedAt()),
                    node.startedAt() == null
                            ? "-"
                            : Times.duration(Duration.between(
                                    node.startedAt(), node.finishedAt() == null ? now : node.finishedAt())));
        }
        var text = new StringWriter();
        table.print(new PrintWriter(text));
        lines.addAll(text.toString().lines().toList());
        if (more != null) {
            lines.add(more);
        }
        return lines;
    }

    /** Which nodes a screen too small for all of them shows first. */
    private static int rank(Node node) {
        return switch (node.status()) {
            case RUNNING -> 0;
            case NONE -> 1;
            case READY -> 2;
            case COMPLETED ->
                node.attempts().isEmpty() || node.lastConclusion() == io.adagio.core.model.Conclusion.SUCCESS ? 5 : 3;
            case WAITING -> 4;
        };
    }
}
