package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.adagio.testkit.AdagiodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adagio runs watch} as a process against a real adagiod: piped, and on a terminal (tmux). */
class RunsWatchTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path TMUX = Path.of("/usr/bin/tmux");

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static CliProcess cli;
    static String host;

    @BeforeAll
    static void startDaemon() {
        daemon = AdagiodProcess.startListening(dir);
        host = daemon.address();
        cli = new CliProcess(dir);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String start(String spec) throws Exception {
        Path file = dir.resolve(spec);
        Files.writeString(file, CliTest.spec(spec));
        var r = cli.run("-host", host, "runs", "start", "-q", file.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.out().strip();
    }

    /**
     * A chain of three nodes: "first" runs until {@code gate} exists (so that a watch can start, a
     * JVM, however loaded the machine, before the run moves on), then two debug nodes sleeping
     * {@code sleep}.
     */
    private static Path gatedChain(Path gate, String sleep) throws IOException {
        Path file = dir.resolve("chain-" + UUID.randomUUID() + ".json");
        var first = "{\"name\": \"first\", \"runtime\": \"exec\", \"metadata\": {"
                + "\"adagio.arguments.exec.command\": {\"values\": [\"sh\"]},"
                + " \"adagio.arguments.exec.args\": {\"values\": [\"-c\", \"while [ ! -e '" + gate
                + "' ]; do sleep 0.05; done\"]}}}";
        var node = "{\"name\": \"%s\", \"runtime\": \"debug\", "
                + "\"metadata\": {\"adagio.arguments.debug.sleep\": {\"values\": [\"" + sleep + "\"]}}}";
        Files.writeString(
                file,
                "{\"nodes\": [" + first + ", " + node.formatted("second") + ", " + node.formatted("third")
                        + "], \"edges\": [{\"source\": \"first\", \"destination\": \"second\"},"
                        + " {\"source\": \"second\", \"destination\": \"third\"}]}");
        return file;
    }

    @Test
    void pipedItPrintsTheRunThenOneLinePerChangeAndExitsByTheOutcome() throws Exception {
        var gate = dir.resolve("gate-" + UUID.randomUUID());
        var r = cli.run(
                "-host", host, "runs", "start", "-q", gatedChain(gate, "300ms").toString());
        String id = r.out().strip();
        var watching = cli.start("-host", host, "runs", "watch", id);
        // The run moves on once the watch has printed it.
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> watching.outSoFar().contains("node third: WAITING"));
        Files.createFile(gate);
        var watched = watching.await();

        assertThat(watched.exitCode()).as(watched.toString()).isZero();
        var lines = watched.out().lines().toList();
        assertThat(lines.getFirst()).startsWith("Run \"" + id + "\" ");
        assertThat(watched.out())
                .contains("node third: WAITING", "node third: RUNNING (attempt 1)", "node third: SUCCESS (attempt 1)")
                .containsPattern("Run \"" + id + "\" SUCCEEDED in .*: 3/3 nodes succeeded")
                .doesNotContain("\u001b", "\r");
        // Each change once: "third" is shown waiting, then running, then done (READY may be seen or
        // coalesced away), never twice in the same state.
        var third = lines.stream().filter(l -> l.startsWith("node third: ")).toList();
        assertThat(third).doesNotHaveDuplicates().hasSizeBetween(3, 4);
        assertThat(watched.err()).isEmpty();
    }

    @Test
    void aFailedRunExitsOneNamingWhatFailed() throws Exception {
        String id = start("seven-failing.json");
        var watched = cli.run("-host", host, "runs", "watch", id);

        assertThat(watched.exitCode()).as(watched.toString()).isEqualTo(1);
        assertThat(watched.out()).contains("node d: FAIL (attempt 1)", "node e: UNREACHED", "FAILED");
        CliTest.assertOneCleanErrorLine(watched);
        assertThat(watched.err()).contains("did not succeed", "node d");
    }

    @Test
    void anUnknownRunIsOneCleanError() throws Exception {
        var watched = cli.run("-host", host, "runs", "watch", "01ARZ3NDEKTSV4RRFFQ69G5FAV");

        assertThat(watched.exitCode()).as(watched.toString()).isEqualTo(1);
        CliTest.assertOneCleanErrorLine(watched);
        assertThat(watched.err()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV", "not found");
    }

    @Test
    void onATerminalItRedrawsATableInPlace() throws Exception {
        assumeTrue(Files.isExecutable(TMUX), "tmux is not installed");
        var gate = dir.resolve("gate-" + UUID.randomUUID());
        var r = cli.run(
                "-host", host, "runs", "start", "-q", gatedChain(gate, "1500ms").toString());
        String id = r.out().strip();

        Path script = dir.resolve("watch-" + id + ".sh");
        var command = new ArrayList<String>();
        command.add(AdagiodProcess.javaBinary());
        command.addAll(AdagiodProcess.fastStartFlags());
        command.addAll(List.of("-cp", AdagiodProcess.testClassPath(), "io.adagio.cli.Main"));
        command.addAll(List.of("-host", host, "runs", "watch", id));
        Files.writeString(
                script,
                "#!/bin/sh\nunset ADAGIO_NO_TTY\n"
                        + String.join(
                                " ", command.stream().map(RunsWatchTest::quote).toList())
                        + "\necho \"EXIT=$?\"\nsleep 120\n",
                StandardCharsets.UTF_8);
        script.toFile().setExecutable(true);
        String session = "adagio-watch";
        socket = "adagio-test-" + UUID.randomUUID();
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", script.toString());
        try {
            var screens = new ArrayList<String>();
            // The run moves on once the table is on the screen.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                var screen = tmux("capture-pane", "-p", "-t", session);
                screens.add(screen);
                return screen.contains("third");
            });
            Files.createFile(gate);
            // While the run goes on: one table, drawn in place (its header once on the screen).
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                var screen = tmux("capture-pane", "-p", "-t", session);
                screens.add(screen);
                return screen.contains("second") && screen.contains("RUNNING") && screen.contains("SUCCESS");
            });
            var live = screens.getLast();
            assertThat(live).contains("Run " + id, "NODE", "STATUS", "ATTEMPTS", "first", "third", "[");
            assertThat(live.split("NODE", -1))
                    .as("one table header on screen:\n%s", live)
                    .hasSize(2);

            // The end: the final table stays below the command, then the outcome and exit code.
            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> tmux("capture-pane", "-p", "-t", session).contains("EXIT="));
            var end = tmux("capture-pane", "-p", "-t", session);
            assertThat(end).contains("SUCCEEDED", "3/3 nodes succeeded", "EXIT=0");
            // The screens seen along the way changed: "third" went from WAITING to RUNNING to SUCCESS.
            assertThat(screens.stream().map(s -> s.contains("third") && s.contains("WAITING")))
                    .contains(true);
            assertThat(Set.copyOf(screens)).hasSizeGreaterThan(1);
        } finally {
            tmux("kill-server");
        }
    }

    private static String quote(String arg) {
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** A tmux server of this test's own, so that it neither sees nor touches anyone else's sessions. */
    private String socket;

    private String tmux(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>(List.of(TMUX.toString(), "-L", socket));
        command.addAll(List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
