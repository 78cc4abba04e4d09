package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adagio runs cancel}, {@code runs rerun}, and the conclusions every printer shows, as
 * processes against a real {@code adagiod} process.
 */
class RunControlCliTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static CliProcess cli;
    static String host;
    static ApiClient api;

    @BeforeAll
    static void startDaemon() {
        daemon = AdagiodProcess.startListening(dir);
        host = daemon.address();
        api = ApiClient.of(daemon);
        cli = new CliProcess(dir);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static Path write(String name, String json) throws Exception {
        return Files.writeString(dir.resolve(name), json);
    }

    /** A run of one exec node sleeping a minute, started through the API, once that node runs. */
    private static String sleepingRun() {
        String id = api.startRun("""
                {"nodes": [{"name": "sleeper", "runtime": "exec", "metadata": {
                             "adagio.arguments.exec.command": {"values": ["sleep"]},
                             "adagio.arguments.exec.args": {"values": ["60"]}}},
                           {"name": "after", "runtime": "debug"}],
                 "edges": [{"source": "sleeper", "destination": "after"}]}""");
        await("sleeper running")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() ->
                        api.run(id).path("nodes").get(0).path("status").asText().equals("RUNNING"));
        return id;
    }

    /** A run whose node d reads {@code cause} and fails while it does not exist; a, b, c succeed. */
    private static String failingRun(Path cause) throws Exception {
        var spec = write("needs-" + cause.getFileName() + ".json", """
                {"nodes": [
                  {"name": "a", "runtime": "exec", "metadata": {"adagio.arguments.exec.command": {"values": ["echo"]},
                                                                "adagio.arguments.exec.args": {"values": ["alpha"]}}},
                  {"name": "b", "runtime": "debug"},
                  {"name": "c", "runtime": "debug"},
                  {"name": "d", "runtime": "exec", "metadata": {"adagio.arguments.exec.command": {"values": ["cat"]},
                                                                "adagio.arguments.exec.args": {"values": ["%s"]}}},
                  {"name": "e", "runtime": "debug"}],
                 "edges": [{"source": "a", "destination": "c"}, {"source": "b", "destination": "d"},
                           {"source": "c", "destination": "d"}, {"source": "d", "destination": "e"}]}""".formatted(cause));
        var r = cli.run("-host", host, "runs", "start", "-q", "-wait", spec.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("did not succeed (FAIL)", "node d");
        return r.out().strip();
    }

    @Test
    void cancelStopsARunningRunAndWaitWaitsUntilItIsCancelled() throws Exception {
        String id = sleepingRun();
        var r = cli.run("-host", host, "runs", "cancel", "-wait", id);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("Run \"" + id + "\" cancelled\n");
        var run = api.run(id);
        assertThat(run.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(run.path("conclusion").asText()).isEqualTo("CANCELLED");

        var ls = cli.run("-host", host, "runs", "ls");
        assertThat(ls.out()).containsPattern(id + " +\\S+ +COMPLETED +CANCELLED +2/2 ");

        var pretty = cli.run("-host", host, "runs", "inspect", id);
        assertThat(pretty.out())
                .containsPattern("(?m)^Conclusion: +CANCELLED: cancelled: sleeper, after$")
                .containsPattern("(?m)^sleeper +exec +COMPLETED +CANCELLED +1 +\\+\\S+ +\\S+$")
                .containsPattern("(?m)^after +debug +COMPLETED +CANCELLED +0 +- +-$")
                .containsPattern("(?m)^sleeper +1 +CANCELLED +\\+\\S+ +\\S+ +\\S+$");

        var dot = cli.run("-host", host, "runs", "inspect", "-printer", "dot", id);
        assertThat(dot.out())
                .contains("label=\"run " + id + " · COMPLETED · CANCELLED\"")
                .contains("\"after\" [label=\"after\\ndebug · CANCELLED\", fillcolor=\"#d9c8a9\"]");
    }

    @Test
    void cancelWithoutWaitSaysWhatIsStillStopping() throws Exception {
        String id = sleepingRun();
        var r = cli.run("-host", host, "runs", "cancel", id);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out())
                .isIn(
                        "Run \"" + id + "\" cancelling: waiting for 1 running node to stop\n",
                        "Run \"" + id + "\" cancelled\n");
        api.awaitCompleted(id, WAIT);
    }

    @Test
    void cancellingACompletedRunChangesNothingAndAnUnknownRunFailsOnlyItself() throws Exception {
        String done = api.startRun("{\"nodes\": [{\"name\": \"quick\", \"runtime\": \"debug\"}]}");
        api.awaitCompleted(done, WAIT);
        String running = sleepingRun();
        String unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

        var r = cli.run("-host", host, "runs", "cancel", "-wait", done, unknown, running);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out())
                .isEqualTo("Run \"" + done + "\" had already completed (SUCCESS): nothing to cancel\n" + "Run \""
                        + running + "\" cancelled\n");
        CliTest.assertOneCleanErrorLine(r);
        assertThat(r.err()).contains(unknown, "not found");
        assertThat(api.run(done).path("conclusion").asText()).isEqualTo("SUCCESS");
    }

    @Test
    void startWaitExitsByTheRunsConclusion() throws Exception {
        var ok = cli.run(
                "-host", host, "runs", "start", "-wait", write("ok.json", """
                        {"nodes": [{"name": "ok", "runtime": "debug"}]}""").toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.out()).containsPattern("Run \"\\w{26}\" SUCCEEDED in ");

        var error = cli.run(
                "-host",
                host,
                "runs",
                "start",
                "-wait",
                write("error.json", """
                        {"nodes": [{"name": "boom", "runtime": "debug",
                          "metadata": {"adagio.arguments.debug.conclusion": {"values": ["error"]}}}]}""").toString());
        assertThat(error.exitCode()).as(error.toString()).isEqualTo(1);
        assertThat(error.out()).contains("FAILED", "(conclusion ERROR): node boom (ERROR after 1 attempt) failed");
        assertThat(error.err()).contains("did not succeed (ERROR)");

        // Cancelled while -wait follows it.
        var sleep = write("sleep.json", """
                {"nodes": [{"name": "sleeper", "runtime": "exec", "metadata": {
                             "adagio.arguments.exec.command": {"values": ["sleep"]},
                             "adagio.arguments.exec.args": {"values": ["60"]}}}]}""");
        var following = CompletableFuture.supplyAsync(() -> {
            try {
                return cli.run("-host", host, "runs", "start", "-wait", sleep.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String id = await("the followed run started")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            var runs = api.getJson("/v0/runs?limit=1").path("runs");
                            return runs.isEmpty() ? "" : runs.get(0).path("id").asText();
                        },
                        latest -> !latest.isEmpty()
                                && api.run(latest)
                                        .path("nodes")
                                        .get(0)
                                        .path("status")
                                        .asText()
                                        .equals("RUNNING")
                                && api.run(latest)
                                        .path("nodes")
                                        .get(0)
                                        .path("spec")
                                        .path("name")
                                        .asText()
                                        .equals("sleeper"));
        assertThat(api.post("/v0/runs/" + id + "/cancel", "{}").statusCode()).isEqualTo(200);
        var cancelled = following.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(cancelled.exitCode()).as(cancelled.toString()).isEqualTo(1);
        assertThat(cancelled.out())
                .contains("node sleeper: CANCELLED (attempt 1)")
                .contains("Run \"" + id + "\" CANCELLED in ");
        assertThat(cancelled.err()).contains("did not succeed (CANCELLED)");
    }

    @Test
    void rerunWithWaitFollowsOnlyTheNodesRunAgainAndExitsByTheConclusion() throws Exception {
        Path cause = dir.resolve("cause-wait.txt");
        String id = failingRun(cause);
        var before = api.run(id);

        Files.writeString(cause, "fixed\n");
        var r = cli.run("-host", host, "runs", "rerun", "-wait", id);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith("Run \"" + id + "\" rerunning d, e\n")
                .contains("node d: SUCCESS (attempt 2)", "node e: SUCCESS (attempt 1)")
                .contains("Run \"" + id + "\" SUCCEEDED in ")
                .doesNotContain("node a:", "node b:", "node c:");
        var after = api.run(id);
        assertThat(after.path("conclusion").asText()).isEqualTo("SUCCESS");
        for (int i = 0; i < 3; i++) {
            assertThat(after.path("nodes").get(i))
                    .isEqualTo(before.path("nodes").get(i));
        }

        var json = cli.run("-host", host, "runs", "inspect", "-printer", "json", id);
        var run = io.adagio.proto.Run.newBuilder();
        JsonFormat.parser().merge(json.out(), run);
        assertThat(run.getConclusion()).isEqualTo(io.adagio.proto.Node.Result.Conclusion.SUCCESS);
        var d = run.getNodes(3);
        assertThat(d.getConclusion()).isEqualTo(io.adagio.proto.Node.Result.Conclusion.SUCCESS);
        assertThat(d.getAttemptsList()).allSatisfy(a -> {
            assertThat(a.getStartedAt()).isNotEmpty();
            assertThat(a.getFinishedAt()).isNotEmpty();
            assertThat(a.getAgentId()).isNotEmpty();
        });
        assertThat(json.out()).contains("\"conclusion\": \"SUCCESS\"", "\"agent_id\"", "\"not_before\"");
    }

    @Test
    void rerunWithoutWaitPrintsWhatRunsAgainAndQuietOnlyTheId() throws Exception {
        Path cause = dir.resolve("cause-quiet.txt");
        String id = failingRun(cause);
        var r = cli.run("-host", host, "runs", "rerun", "-q", id);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(id + "\n");
        assertThat(api.awaitCompleted(id, WAIT).path("conclusion").asText()).isEqualTo("FAIL");
    }

    @Test
    void aRunNotCompletedCannotBeRerun() throws Exception {
        String id = sleepingRun();
        var r = cli.run("-host", host, "runs", "rerun", id);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        CliTest.assertOneCleanErrorLine(r);
        assertThat(r.err()).contains(id);
        assertThat(r.out()).isEmpty();
        api.post("/v0/runs/" + id + "/cancel", "{}");
    }

    @Test
    void missingIdsAreUsageErrorsAndBothCommandsHaveHelp() throws Exception {
        for (String command : new String[] {"cancel", "rerun"}) {
            var missing = cli.run("-host", host, "runs", command);
            assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
            assertThat(missing.err()).contains("ID");

            var help = cli.run("runs", command, "-help");
            assertThat(help.exitCode()).as(help.toString()).isZero();
            assertThat(help.out()).contains("Usage: adagio runs " + command, "-wait", "Exit status");
        }
        assertThat(cli.run("runs", "-help").out()).contains("cancel", "rerun");
    }
}
