package io.adagio.cli;

import io.adagio.client.RunSummary;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Follows a run for {@code runs start -wait}: one line per node event (started, concluded,
 * unreached, orphaned); on a terminal also a status line redrawn in place with a progress bar,
 * and again every second so that its elapsed time runs on while nothing changes.
 */
abstract sealed class Progress permits Progress.Silent, Progress.Lines {

    abstract void update(Run run);

    abstract void finish(Run run);

    /** Takes {@code run} as already seen: only what changes after it is reported (a rerun's new attempts). */
    void baseline(Run run) {}

    /** Redraws the status line every second until closed (nothing to do without a status line). */
    AutoCloseable tickEverySecond() {
        return () -> {};
    }

    static Progress silent() {
        return new Silent();
    }

    /** A live status line on a terminal, plain lines otherwise (pipes, files, CI logs). */
    static Progress forConsole(PrintWriter out) {
        return new Lines(out, Terminal.isInteractive());
    }

    static final class Silent extends Progress {
        @Override
        void update(Run run) {}

        @Override
        synchronized void finish(Run run) {}
    }

    static final class Lines extends Progress {
        private record Seen(NodeStatus status, int attempts) {}

        private static final int BAR_WIDTH = 24;
        private final PrintWriter out;
        private final boolean live;
        private final Map<String, Seen> seen = new HashMap<>();
        private boolean statusLineShown;
        private Run last;

        Lines(PrintWriter out, boolean live) {
            this.out = out;
            this.live = live;
        }

        @Override
        synchronized void update(Run run) {
            clearStatusLine();
            for (Node node : run.nodes()) {
                var before = seen.getOrDefault(node.name(), new Seen(NodeStatus.WAITING, 0));
                var now = new Seen(node.status(), node.attempts().size());
                report(node, before, now);
                seen.put(node.name(), now);
            }
            last = run;
            printStatusLine();
            out.flush();
        }

        @Override
        synchronized void baseline(Run run) {
            for (Node node : run.nodes()) {
                seen.put(node.name(), new Seen(node.status(), node.attempts().size()));
            }
        }

        /** Draws the status line again with the last snapshot: the elapsed time moves on. */
        synchronized void tick() {
            if (statusLineShown) {
                clearStatusLine();
                printStatusLine();
                out.flush();
            }
        }

        @Override
        AutoCloseable tickEverySecond() {
            if (!live) {
                return () -> {};
            }
            var timer = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name("adagio-progress").unstarted(r));
            timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
            return timer::shutdownNow;
        }

        private void printStatusLine() {
            if (!live || last == null) {
                return;
            }
            var s = RunSummary.of(last);
            int filled = s.total() == 0 ? 0 : s.done() * BAR_WIDTH / s.total();
            out.print("[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + s.done() + "/" + s.total()
                    + " done, " + s.running() + " running, " + s.failed().size() + " failed  "
                    + Times.duration(s.duration(Instant.now())));
            statusLineShown = true;
        }

        private void report(Node node, Seen before, Seen now) {
            for (int i = before.attempts(); i < now.attempts(); i++) {
                var conclusion = node.attempts().get(i).conclusion();
                boolean retrying = i == now.attempts() - 1 && now.status() != NodeStatus.COMPLETED;
                out.println("node " + node.name() + ": " + conclusion + " (attempt " + (i + 1) + ")"
                        + (retrying
                                ? ", retrying" + backoff(node, node.attempts().get(i))
                                : ""));
            }
            if (now.status() == before.status() && now.attempts() == before.attempts()) {
                return;
            }
            switch (now.status()) {
                case RUNNING -> out.println("node " + node.name() + ": RUNNING (attempt " + (now.attempts() + 1) + ")");
                case NONE -> out.println("node " + node.name() + ": ORPHANED (its agent was lost)");
                case COMPLETED -> {
                    if (now.attempts() == 0) {
                        out.println("node " + node.name() + ": "
                                + (RunSummary.conclusionOf(node) == Conclusion.CANCELLED
                                        ? "CANCELLED (the run was cancelled)"
                                        : "UNREACHED (an upstream node failed)"));
                    }
                }
                case WAITING, READY -> {}
            }
        }

        /** " after 500ms" when the retry waits out a backoff. */
        private static String backoff(Node node, Result attempt) {
            if (node.notBefore() == null
                    || attempt.finishedAt() == null
                    || !node.notBefore().isAfter(attempt.finishedAt())) {
                return "";
            }
            return " after " + Times.duration(java.time.Duration.between(attempt.finishedAt(), node.notBefore()));
        }

        @Override
        synchronized void finish(Run run) {
            clearStatusLine();
            var s = RunSummary.of(run);
            String took = " in " + Times.duration(s.duration(Instant.now()));
            String name = "Run \"" + run.id() + "\" ";
            switch (s.outcome()) {
                case SUCCEEDED ->
                    out.println(name + "SUCCEEDED" + took + ": " + s.total() + "/" + s.total() + " nodes succeeded");
                case CANCELLED -> out.println(name + "CANCELLED" + took + ": " + Printers.failureText(s));
                default ->
                    out.println(name + "FAILED" + took + " (conclusion " + s.conclusion() + "): "
                            + Printers.failureText(s));
            }
            out.flush();
        }

        private void clearStatusLine() {
            if (statusLineShown) {
                out.print("\r\u001b[K");
                statusLineShown = false;
            }
        }
    }
}
