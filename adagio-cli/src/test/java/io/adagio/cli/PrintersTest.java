package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The printers on a fixed run, to the character: alignment, colours, truncation. */
class PrintersTest {
    static final Instant T0 = Instant.parse("2025-06-01T12:00:00.123456789Z");

    static Node node(String name, String runtime, NodeStatus status, long startMs, long endMs, Result... attempts) {
        return new Node(
                new NodeSpec(name, runtime),
                status,
                List.of(attempts),
                startMs < 0 ? null : T0.plusMillis(startMs),
                endMs < 0 ? null : T0.plusMillis(endMs),
                Map.of(),
                status == NodeStatus.RUNNING ? new Claim("01JX00000000000000000CLAIM") : null);
    }

    static Result attempt(Conclusion conclusion, String output) {
        return new Result(conclusion, Map.of(), output.getBytes(StandardCharsets.UTF_8));
    }

    /** An attempt as the store records it: when it started and finished, and on which agent. */
    static Result attempt(Conclusion conclusion, String output, long startMs, long endMs, String agent) {
        return new Result(
                conclusion,
                Map.of(),
                output.getBytes(StandardCharsets.UTF_8),
                T0.plusMillis(startMs),
                T0.plusMillis(endMs),
                agent);
    }

    /** A run in the middle of things: done, failed after a retry, unreached, running, ready, waiting. */
    static Run run() {
        return new Run(
                "01JX0000000000000000000RUN",
                T0,
                List.of(
                        node(
                                "fetch",
                                "exec",
                                NodeStatus.COMPLETED,
                                5,
                                1_250,
                                attempt(
                                        Conclusion.SUCCESS,
                                        "fetched 3 files\nfile-1\nfile-2\nfile-3\nfile-4\nfile-5\nfile-6\n",
                                        5,
                                        1_250,
                                        "host-a:1")),
                        node(
                                "check",
                                "debug",
                                NodeStatus.COMPLETED,
                                1_300,
                                12_800,
                                attempt(Conclusion.FAIL, "first try failed", 1_300, 1_800, "host-a:1"),
                                attempt(Conclusion.FAIL, "checksum mismatch", 12_300, 12_800, "host-b:2")),
                        node("report", "debug", NodeStatus.COMPLETED, -1, -1),
                        node(
                                "index",
                                "exec",
                                NodeStatus.RUNNING,
                                1_260,
                                -1,
                                attempt(Conclusion.ERROR, "node was orphaned")),
                        node("notify", "debug", NodeStatus.READY, -1, -1),
                        node("archive", "debug", NodeStatus.WAITING, -1, -1)),
                List.of(
                        new Edge("fetch", "check"),
                        new Edge("check", "report"),
                        new Edge("fetch", "index"),
                        new Edge("fetch", "notify"),
                        new Edge("index", "archive")),
                RunStatus.RUNNING);
    }

    @Test
    void pretty() throws Exception {
        var out = new StringWriter();
        Printers.pretty(run(), T0.plusSeconds(75), new PrintWriter(out, true));
        Golden.assertMatches("pretty-fixed.txt", out.toString());
    }

    @Test
    void dot() throws Exception {
        Golden.assertMatches("dot-fixed.dot", Printers.dot(run()));
    }

    @Test
    void dotQuotesNamesThatGraphvizWouldMisread() {
        var run = new Run(
                "R", T0, List.of(node("a\"b", "debug", NodeStatus.WAITING, -1, -1)), List.of(), RunStatus.WAITING);
        assertThat(Printers.dot(run)).contains("\"a\\\"b\" [label=\"a\\\"b\\ndebug · WAITING\"");
    }

    @Test
    void tablesAlignColumns() {
        var out = new StringWriter();
        new Table("ID", "RUNTIMES")
                .row("agent-long-name", "debug")
                .row("a", "exec,debug")
                .print(new PrintWriter(out, true));
        assertThat(out.toString()).isEqualTo("""
                ID               RUNTIMES
                agent-long-name  debug
                a                exec,debug
                """);
    }

    @Test
    void storageSaysHowFullTheStoreIsAndWhenToAct() {
        assertThat(Printers.bytes(512)).isEqualTo("512 B");
        assertThat(Printers.bytes(20 * 1024)).isEqualTo("20.0 KiB");
        assertThat(Printers.bytes(10_905_190)).isEqualTo("10.4 MiB");
        assertThat(Printers.bytes(2L << 30)).isEqualTo("2.0 GiB");
        long quota = 2L << 30;
        assertThat(Printers.storage(new io.adagio.core.model.StorageUsage(10_905_190, 3_250_586, quota, false)))
                .isEqualTo("10.4 MiB of 2.0 GiB quota (0.5%), 3.1 MiB in use");
        assertThat(Printers.storage(new io.adagio.core.model.StorageUsage(quota * 9 / 10, -1, quota, false)))
                .isEqualTo("1.8 GiB of 2.0 GiB quota (90.0%); above 80% of the quota: delete runs, or compact and"
                        + " defragment etcd");
        assertThat(Printers.storage(new io.adagio.core.model.StorageUsage(quota, quota, quota, true)))
                .contains("FULL: etcd refuses writes (NOSPACE alarm)");
    }
}
