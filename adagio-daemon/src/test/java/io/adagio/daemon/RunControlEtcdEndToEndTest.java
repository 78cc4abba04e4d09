package io.adagio.daemon;

import static io.adagio.daemon.RunJson.alive;
import static io.adagio.daemon.RunJson.conclusions;
import static io.adagio.daemon.RunJson.debug;
import static io.adagio.daemon.RunJson.edge;
import static io.adagio.daemon.RunJson.exec;
import static io.adagio.daemon.RunJson.node;
import static io.adagio.daemon.RunJson.output;
import static io.adagio.daemon.RunJson.pid;
import static io.adagio.daemon.RunJson.sleeper;
import static io.adagio.daemon.RunJson.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run control where the API and the agents are separate processes sharing a real etcd: a cancel
 * reaches the agent process through etcd's watch and stops the program it runs, and a retry waiting
 * out its backoff is taken up by another agent process when the one that ran the failed attempt dies,
 * a timed-out attempt is an ERROR the error rule retries, and a rerun completes a failed run once its
 * cause is fixed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunControlEtcdEndToEndTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration RUN_DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<AdagiodProcess> processes = new ArrayList<>();
    private ApiClient api;

    @BeforeAll
    void startApi() {
        var process = start("api", "-listen", "127.0.0.1:0");
        api = new ApiClient(process.awaitApi(START));
    }

    @AfterAll
    void stopAll() {
        processes.forEach(AdagiodProcess::close);
    }

    private AdagiodProcess start(String... args) {
        var process = AdagiodProcess.start(
                List.of(args),
                EtcdBackend.of(ETCD.cluster())
                        .namespace("run-control")
                        .leaseTtl(Duration.ofSeconds(3))
                        .env());
        processes.add(process);
        return process;
    }

    /** Starts an agent process and returns it with the agent ids it registered. */
    private Agents startAgent(String... runtimes) {
        Set<String> before = agentIds();
        var process = start("agent", "-agent-count", "2", "-runtimes", String.join(",", runtimes));
        Set<String> ids = await("the agent process registered")
                .atMost(START)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            var now = agentIds();
                            now.removeAll(before);
                            return now;
                        },
                        now -> !now.isEmpty());
        return new Agents(process, ids);
    }

    private record Agents(AdagiodProcess process, Set<String> ids) {}

    private static Set<String> union(Set<String> a, Set<String> b) {
        var all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private Set<String> agentIds() {
        var ids = new HashSet<String>();
        api.getJson("/v0/agents")
                .path("agents")
                .forEach(a -> ids.add(a.path("id").asText()));
        return ids;
    }

    @Test
    void cancelOverHttpStopsTheProgramRunningInAnotherProcess() throws Exception {
        var agent = startAgent("exec", "debug");
        Path pidFile = dir.resolve("sleep.pid");
        String id = api.startRun(spec(
                List.of(sleeper("sleeper", pidFile, 60), debug("after", "success", "")),
                List.of(edge("sleeper", "after"))));
        long pid = awaitSleeperPid(pidFile);

        var response = api.post("/v0/runs/" + id + "/cancel", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

        JsonNode run = await("sleep " + pid + " gone and run " + id + " completed")
                .atMost(RunControlEndToEndTest.CANCEL_DEADLINE)
                .pollInterval(Duration.ofMillis(25))
                .until(
                        () -> api.run(id),
                        r -> !alive(pid) && r.path("status").asText().equals("COMPLETED"));
        assertThat(run.path("conclusion").asText()).isEqualTo("CANCELLED");
        assertThat(conclusions(node(run, "sleeper"))).containsExactly("CANCELLED");
        assertThat(node(run, "sleeper").path("attempts").get(0).path("agent_id").asText())
                .isIn(agent.ids());
        assertThat(node(run, "after").path("conclusion").asText()).isEqualTo("CANCELLED");
        assertThat(node(run, "after").path("attempts")).isEmpty();
        await("run " + id + " stays as cancelled")
                .during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> api.run(id), run::equals);
        agent.process().close();
    }

    /**
     * The agent running a node is frozen (SIGSTOP: cut off, its lease runs out) while its run is
     * cancelled, and thawed after the run has completed without it: nothing of the run starts
     * afterwards, neither on it nor on an agent started meanwhile, and the program it was running
     * does not outlive the thaw.
     */
    @Test
    void anAgentCutOffDuringTheCancelStartsNothingOfTheRunAfterwards() throws Exception {
        var frozen = startAgent("exec", "debug");
        Path pidFile = dir.resolve("cut-off.pid");
        Path ranAfter = dir.resolve("after-ran");
        String id = api.startRun(spec(
                List.of(sleeper("sleeper", pidFile, 60), exec("after", "", "touch", ranAfter.toString())),
                List.of(edge("sleeper", "after"))));
        long pid = awaitSleeperPid(pidFile);

        signal(frozen.process().pid(), "STOP");
        try {
            var response = api.post("/v0/runs/" + id + "/cancel", "{}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            var other = startAgent("exec", "debug");
            // The frozen agent's lease runs out; its attempt is given up as cancelled.
            JsonNode run = await("run " + id + " completed without the frozen agent")
                    .atMost(RUN_DEADLINE)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> api.run(id), r -> r.path("status").asText().equals("COMPLETED"));
            assertThat(run.path("conclusion").asText()).isEqualTo("CANCELLED");
            assertThat(conclusions(node(run, "sleeper"))).containsExactly("CANCELLED");
            assertThat(node(run, "after").path("attempts")).isEmpty();
            assertThat(agentIds())
                    .as("agents alive")
                    .containsAll(other.ids())
                    .doesNotContainAnyElementsOf(frozen.ids());
            other.process().close();
        } finally {
            signal(frozen.process().pid(), "CONT");
        }

        await("the program of the thawed agent's given-up attempt stopped")
                .atMost(RUN_DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !alive(pid));
        var completed = api.run(id);
        await("run " + id + " stays as it completed after the thaw")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> api.run(id), completed::equals);
        assertThat(ranAfter).as("'after' never ran").doesNotExist();
        // Thawed, it registers again: like the other agent, it would take the next tests' work (the tests
        // share the namespace and check which agent ran what).
        frozen.process().close();
    }

    /** The pid of the {@link RunJson#sleeper} program once it has started and written it. */
    private static long awaitSleeperPid(Path pidFile) {
        return await("the sleep program started")
                .atMost(RUN_DEADLINE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> pid(pidFile), p -> p.isPresent())
                .getAsLong();
    }

    /** Sends a signal to the process with this pid (one this test started), with the kill command. */
    private static void signal(long pid, String name) throws Exception {
        var kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        assertThat(kill.waitFor()).as("kill -%s %d", name, pid).isZero();
    }

    @Test
    void aRetryWaitingOutItsBackoffIsTakenUpByAnotherAgentWhenTheFirstDies() {
        var first = startAgent("debug");
        var second = startAgent("debug");
        String id = api.startRun(spec(
                List.of(debug(
                        "flaky",
                        "fail",
                        "\"retry\": {\"fail\": {\"max_attempts\": 2, \"backoff\": {\"initial\": \"4s\"}}}")),
                List.of()));

        JsonNode failedOnce = await("the first attempt recorded")
                .atMost(RUN_DEADLINE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> node(api.run(id), "flaky"), n -> n.path("attempts").size() == 1);
        var attempt = failedOnce.path("attempts").get(0);
        assertThat(attempt.path("conclusion").asText()).isEqualTo("FAIL");
        assertThat(failedOnce.path("not_before").asText()).isNotEmpty();
        String ranIt = attempt.path("agent_id").asText();
        assertThat(ranIt).isIn(union(first.ids(), second.ids()));
        var dying = first.ids().contains(ranIt) ? first : second;
        var surviving = dying == first ? second : first;
        dying.process().kill();

        JsonNode run = api.awaitCompleted(id, RUN_DEADLINE);
        var attempts = node(run, "flaky").path("attempts");
        assertThat(conclusions(node(run, "flaky"))).containsExactly("FAIL", "FAIL");
        assertThat(attempts.get(1).path("agent_id").asText()).isIn(surviving.ids());
        assertThat(RunJson.gap(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
        assertThat(run.path("conclusion").asText()).isEqualTo("FAIL");
        surviving.process().close();
    }

    @Test
    void aTimeoutIsAnErrorTheErrorRuleRetriesAndARerunCompletesAFailedRunOnceItsCauseIsFixed() throws Exception {
        var agent = startAgent("exec", "debug");

        String timedOut = api.startRun(spec(
                List.of(exec(
                        "slow", "\"timeout\": \"1s\", \"retry\": {\"error\": {\"max_attempts\": 2}}", "sleep", "30")),
                List.of()));
        JsonNode slowRun = api.awaitCompleted(timedOut, RUN_DEADLINE);
        assertThat(slowRun.path("conclusion").asText()).isEqualTo("ERROR");
        assertThat(conclusions(node(slowRun, "slow"))).containsExactly("ERROR", "ERROR");
        for (var attempt : node(slowRun, "slow").path("attempts")) {
            assertThat(RunJson.took(attempt)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(output(attempt)).contains("timed out after 1s");
            assertThat(attempt.path("agent_id").asText()).isIn(agent.ids());
        }

        Path cause = dir.resolve("fixed");
        String id = api.startRun(spec(
                List.of(
                        exec("a", "", "echo", "alpha"),
                        exec("b", "", "echo", "beta"),
                        exec("c", "", "echo", "gamma"),
                        exec("d", "", "cat", cause.toString()),
                        debug("e", "success", "")),
                List.of(edge("a", "c"), edge("b", "d"), edge("c", "d"), edge("d", "e"))));
        JsonNode failed = api.awaitCompleted(id, RUN_DEADLINE);
        assertThat(failed.path("conclusion").asText()).isEqualTo("FAIL");

        Files.writeString(cause, "fixed now\n");
        var response = api.post("/v0/runs/" + id + "/rerun", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode done = api.awaitCompleted(id, RUN_DEADLINE);
        assertThat(done.path("conclusion").asText()).isEqualTo("SUCCESS");
        for (String name : List.of("a", "b", "c")) {
            assertThat(node(done, name)).as(name).isEqualTo(node(failed, name));
        }
        assertThat(conclusions(node(done, "d"))).containsExactly("FAIL", "SUCCESS");
        assertThat(output(node(done, "d").path("attempts").get(1))).contains("fixed now");
        assertThat(conclusions(node(done, "e"))).containsExactly("SUCCESS");
        agent.process().close();
    }
}
