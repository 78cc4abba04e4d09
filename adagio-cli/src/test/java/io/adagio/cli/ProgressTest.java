package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressTest {
    static Run run(RunStatus status, Node... nodes) {
        return new Run("01JX0000000000000000000RUN", PrintersTest.T0, List.of(nodes), List.of(), status);
    }

    static Node node(String name, NodeStatus status, Conclusion... attempts) {
        return new Node(
                new NodeSpec(name, "debug"),
                status,
                java.util.Arrays.stream(attempts)
                        .map(c -> PrintersTest.attempt(c, ""))
                        .toList(),
                null,
                null,
                Map.of(),
                null);
    }

    @Test
    void plainLinesReportEachEventOnce() {
        var out = new StringWriter();
        var progress = new Progress.Lines(new PrintWriter(out, true), false);

        progress.update(run(RunStatus.RUNNING, node("a", NodeStatus.RUNNING), node("b", NodeStatus.WAITING)));
        progress.update(
                run(RunStatus.RUNNING, node("a", NodeStatus.READY, Conclusion.FAIL), node("b", NodeStatus.WAITING)));
        progress.update(
                run(RunStatus.RUNNING, node("a", NodeStatus.RUNNING, Conclusion.FAIL), node("b", NodeStatus.WAITING)));
        var done = run(
                RunStatus.COMPLETED,
                node("a", NodeStatus.COMPLETED, Conclusion.FAIL, Conclusion.FAIL),
                node("b", NodeStatus.COMPLETED));
        progress.update(done);
        progress.finish(done);

        assertThat(out.toString()).isEqualTo("""
                node a: RUNNING (attempt 1)
                node a: FAIL (attempt 1), retrying
                node a: RUNNING (attempt 2)
                node a: FAIL (attempt 2)
                node b: UNREACHED (an upstream node failed)
                Run "01JX0000000000000000000RUN" FAILED in 0ms (conclusion FAIL): node a (FAIL after 2 attempts) failed; unreached: b
                """);
    }

    @Test
    void onATerminalAStatusLineIsRedrawnInPlace() {
        var out = new StringWriter();
        var progress = new Progress.Lines(new PrintWriter(out, true), true);

        progress.update(run(
                RunStatus.RUNNING, node("a", NodeStatus.COMPLETED, Conclusion.SUCCESS), node("b", NodeStatus.RUNNING)));
        progress.update(run(
                RunStatus.RUNNING, node("a", NodeStatus.COMPLETED, Conclusion.SUCCESS), node("b", NodeStatus.RUNNING)));

        String text = out.toString();
        assertThat(text)
                .startsWith(
                        "node a: SUCCESS (attempt 1)\nnode b: RUNNING (attempt 1)\n[############............] 1/2 done, 1 running, 0 failed");
        assertThat(text).contains("\r\u001b[K[############");
        assertThat(text).doesNotEndWith("\n");
    }

    @Test
    void aTickRedrawsTheStatusLineWithTheLastSnapshot() {
        var out = new StringWriter();
        var progress = new Progress.Lines(new PrintWriter(out, true), true);
        progress.tick(); // nothing to redraw yet
        assertThat(out.toString()).isEmpty();

        progress.update(run(RunStatus.RUNNING, node("a", NodeStatus.RUNNING), node("b", NodeStatus.WAITING)));
        String once = out.toString();
        progress.tick();

        String twice = out.toString();
        assertThat(twice).startsWith(once);
        assertThat(twice.substring(once.length()))
                .startsWith("\r\u001b[K[........................] 0/2 done, 1 running, 0 failed");
        assertThat(twice).containsOnlyOnce("node a: RUNNING");
    }

    @Test
    void plainLinesAreNeverRedrawn() {
        var out = new StringWriter();
        var progress = new Progress.Lines(new PrintWriter(out, true), false);
        progress.update(run(RunStatus.RUNNING, node("a", NodeStatus.RUNNING)));
        String once = out.toString();
        progress.tick();
        assertThat(out.toString()).isEqualTo(once);
    }
}
