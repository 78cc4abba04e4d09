package io.adagio.daemon;

import static io.adagio.daemon.RunJson.claimAgent;
import static io.adagio.daemon.RunJson.conclusions;
import static io.adagio.daemon.RunJson.name;
import static io.adagio.daemon.RunJson.node;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults an operator lives with, all at once, on the deployment they happen to: a real 3-member
 * etcd cluster, two {@code adagiod api} processes and agent processes, all started by this test.
 * While a load of runs is submitted (each start retried on the other API when one fails, as a client
 * would), the test kills an agent with SIGKILL while it executes a node, pauses the etcd leader with
 * SIGSTOP (and lets it go on), kills an etcd member with SIGKILL, and kills an API process. Then:
 *
 * <ul>
 *   <li>no submitter saw a 5xx other than 503 (503 says "try again"; a 500 would be the server's bug);
 *   <li>no acknowledged run is lost: each is listed and COMPLETED, so no node stayed RUNNING after its
 *       agent died;
 *   <li>each node's exec ledger line (a unique token appended once per execution) appears at most once
 *       per recorded attempt, and every attempt before a node's last is an ERROR: every repeated
 *       execution is explained by a recorded ERROR attempt;
 *   <li>the node running on the killed agent was orphaned (an ERROR attempt) and finished elsewhere.
 * </ul>
 *
 * <p>The short version (20 runs, one round of faults) runs in {@code bin/test}. The long one
 * (docs/RELIABILITY.md): {@code ./mvnw -pl adagio-daemon verify -Dtest=EtcdFaultsEndToEndTest
 * -Dadagio.faults.runs=150 -Dadagio.faults.rounds=5}.
 */
class EtcdFaultsEndToEndTest {
    private static final int RUNS = Integer.getInteger("adagio.faults.runs", 20);
    private static final int ROUNDS = Integer.getInteger("adagio.faults.rounds", 1);
    /** Short leases, so that a killed agent's node is orphaned soon. */
    private static final Duration TTL = Duration.ofSeconds(3);

    private static final Duration STARTUP = Duration.ofSeconds(120);
    /** Only there to end a hung test: how fast any of it goes is the benchmark's business. */
    private static final Duration LOAD = Duration.ofMinutes(3L * ROUNDS + RUNS / 20);

    @TempDir
    Path dir;

    private final List<AdagiodProcess> processes = new CopyOnWriteArrayList<>();
    /** Every HTTP status any call of this test got, with the call: none may be a 5xx but 503. */
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    /** How many answers of each status the calls got, for the report. */
    private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    /** Calls that got no HTTP answer at all (the API process gone). */
    private final java.util.concurrent.atomic.AtomicInteger unanswered =
            new java.util.concurrent.atomic.AtomicInteger();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void stopProcesses() {
        processes.forEach(AdagiodProcess::close);
    }

    @Test
    void underKillsAndPausesNoRunIsLostNo5xxAndEveryRepeatedExecutionIsExplained() throws Exception {
        Path ledger = Files.createFile(dir.resolve("ledger"));
        try (var etcd = EtcdCluster.start(3)) {
            var env = EtcdBackend.of(etcd).namespace("faults").leaseTtl(TTL).env();
            var apis = new ArrayList<AdagiodProcess>(List.of(api(env), api(env)));
            var agents = new ArrayList<AdagiodProcess>(List.of(agent(env), agent(env)));
            var urls = new CopyOnWriteArrayList<String>();
            for (var api : apis) {
                urls.add(api.awaitApi(STARTUP));
            }
            for (var agent : agents) {
                agent.awaitLog("workers, runtimes", STARTUP);
            }

            var acknowledged = new ConcurrentHashMap<String, String>(); // run id -> token
            int perRound = Math.max(RUNS / ROUNDS, 10);
            for (int round = 0; acknowledged.size() < RUNS; round++) {
                boolean faults = round < ROUNDS;
                submit(urls, acknowledged, ledger, perRound / 5);
                if (faults) {
                    // An agent killed while it executes a node; another takes its place.
                    killAnAgentWhileItRunsANode(urls, agents, env);
                }
                submit(urls, acknowledged, ledger, perRound / 5);
                if (faults) {
                    // The etcd leader frozen until the cluster and the APIs have moved on without it.
                    int leader = etcd.leader();
                    etcd.pause(leader);
                    try {
                        submit(urls, acknowledged, ledger, perRound / 5);
                    } finally {
                        etcd.resume(leader);
                    }
                    // A member killed outright, and started again once the cluster moved on without it.
                    int victim = etcd.leader();
                    etcd.kill(victim);
                    submit(urls, acknowledged, ledger, perRound / 5);
                    etcd.restart(victim);
                    if (round == 0 && apis.size() > 1) {
                        // An API process killed: its clients go to the other one.
                        var doomed = apis.removeFirst();
                        urls.remove(doomed.awaitApi(STARTUP));
                        doomed.kill();
                    }
                }
                submit(urls, acknowledged, ledger, Math.min(perRound / 5, RUNS - acknowledged.size()));
            }

            var runs = RunJson.awaitAllCompleted(
                    () -> ApiClient.json(call(urls.getFirst(), "GET", "/v0/runs?limit=10000", null)),
                    acknowledged.keySet(),
                    0,
                    LOAD);
            checkExecutions(runs, acknowledged, Files.readAllLines(ledger));
            assertThat(serverErrors).as("5xx answers other than 503").isEmpty();
            System.out.println("faults: " + acknowledged.size() + " runs acknowledged, " + runs.size()
                    + " listed, all COMPLETED; " + ROUNDS + " round(s) of faults; answers by status " + statuses
                    + ", " + unanswered + " calls without an answer");
        }
    }

    // ------------------------------------------------------------------------------ faults

    /** Waits for a node RUNNING on one of the agents, SIGKILLs that agent, and starts a new one. */
    private void killAnAgentWhileItRunsANode(List<String> urls, List<AdagiodProcess> agents, Map<String, String> env) {
        var ids = agents.stream().collect(Collectors.toMap(agent -> agent.awaitAgentId(STARTUP), Function.identity()));
        // A long node, so that there is one to catch running: it appends to no ledger, but is retried.
        var api = urls.getFirst();
        String runId = ApiClient.json(call(
                        api,
                        "PUT",
                        "/v0/runs",
                        "{\"spec\": {\"nodes\": [{\"name\": \"long\", \"runtime\": \"debug\","
                                + " \"retry\": {\"error\": {\"max_attempts\": 5}},"
                                + " \"metadata\": {\"adagio.arguments.debug.sleep\": {\"values\": [\"3s\"]}}}]}}"))
                .path("run")
                .path("id")
                .asText();
        var running = awaitNode(
                "the long node running on an agent",
                api,
                runId,
                "long",
                n -> n.path("status").asText().equals("RUNNING") && ids.containsKey(claimAgent(n)));
        var victim = ids.get(claimAgent(running));
        victim.kill();
        agents.remove(victim);
        var replacement = agent(env);
        replacement.awaitLog("workers, runtimes", STARTUP);
        agents.add(replacement);
        var orphaned = awaitNode(
                "the killed agent's node finished elsewhere",
                api,
                runId,
                "long",
                n -> n.path("status").asText().equals("COMPLETED"));
        assertThat(conclusions(orphaned))
                .as("attempts of the node whose agent died")
                .startsWith("ERROR");
        assertThat(conclusions(orphaned)).endsWith("SUCCESS");
    }

    /** Polls the run until its node {@code name} is as {@code wanted} says (a failed call is polled again). */
    private JsonNode awaitNode(String what, String api, String runId, String name, Predicate<JsonNode> wanted) {
        return Awaitility.await(what)
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(
                        () -> node(
                                ApiClient.json(call(api, "GET", "/v0/runs/" + runId, null))
                                        .path("run"),
                                name),
                        wanted);
    }

    // ------------------------------------------------------------------------------ load

    /**
     * Starts {@code count} runs, each through the first API that takes it: a start that fails (API
     * gone, 503 during an election or a stall) is tried again with a new token, since a start whose
     * answer was lost may still have created its run (which then runs with its own token).
     */
    private void submit(List<String> urls, Map<String, String> acknowledged, Path ledger, int count) {
        for (int i = 0; i < count; i++) {
            var attempt = new int[] {0};
            Awaitility.await("a run acknowledged")
                    .atMost(LOAD)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        String url = urls.get(attempt[0]++ % urls.size());
                        String token = "faults-" + UUID.randomUUID();
                        try {
                            var response = call(url, "PUT", "/v0/runs", "{\"spec\": " + chain(ledger, token) + "}");
                            if (response.statusCode() != 200) {
                                return false;
                            }
                            acknowledged.put(
                                    ApiClient.json(response)
                                            .path("run")
                                            .path("id")
                                            .asText(),
                                    token);
                            return true;
                        } catch (UncheckedIOException e) {
                            return false; // no answer (the API is gone): try the next
                        }
                    });
        }
    }

    /** A call whose status is recorded: a 5xx other than 503 is the server's failure. */
    private HttpResponse<String> call(String url, String method, String path, String json) {
        try {
            var request = HttpRequest.newBuilder(java.net.URI.create(url + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json")
                    .method(
                            method,
                            json == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(json));
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            statuses.merge(response.statusCode(), 1, Integer::sum);
            if (response.statusCode() >= 500 && response.statusCode() != 503) {
                serverErrors.add(method + " " + path + ": " + response.statusCode() + " " + response.body());
            }
            return response;
        } catch (IOException e) {
            unanswered.incrementAndGet();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A short chain whose middle node appends its token to the ledger, each node retried after an ERROR. */
    private static String chain(Path ledger, String token) {
        return """
                {"nodes": [{"name": "before", "runtime": "debug", "retry": {"error": {"max_attempts": 5}},
                            "metadata": {"adagio.arguments.debug.sleep": {"values": ["200ms"]}}},
                           {"name": "ledger", "runtime": "exec", "retry": {"error": {"max_attempts": 5}},
                            "metadata": {"adagio.arguments.exec.command": {"values": ["sh"]},
                                         "adagio.arguments.exec.args": {"values": ["-c", "echo %s >> '%s'"]}}},
                           {"name": "after", "runtime": "debug", "retry": {"error": {"max_attempts": 5}}}],
                 "edges": [{"source": "before", "destination": "ledger"}, {"source": "ledger", "destination": "after"}]}""".formatted(token, ledger);
    }

    // ------------------------------------------------------------------------------ checks

    private static void checkExecutions(Map<String, JsonNode> runs, Map<String, String> tokens, List<String> ledger) {
        var executions = new ConcurrentHashMap<String, Integer>();
        ledger.forEach(line -> executions.merge(line, 1, Integer::sum));
        for (var e : tokens.entrySet()) {
            var run = runs.get(e.getKey());
            assertThat(run).as("acknowledged run %s", e.getKey()).isNotNull();
            for (var node : run.path("nodes")) {
                var attempts = conclusions(node);
                assertThat(attempts.subList(0, Math.max(0, attempts.size() - 1)))
                        .as("attempts before the last of %s in run %s", name(node), e.getKey())
                        .allMatch("ERROR"::equals);
                assertThat(attempts).as("%s in run %s", name(node), e.getKey()).endsWith("SUCCESS");
            }
            var ledgerNode = node(run, "ledger");
            int ran = executions.getOrDefault(e.getValue(), 0);
            assertThat(ran)
                    .as("executions of the ledger node of run %s (attempts %s)", e.getKey(), conclusions(ledgerNode))
                    .isBetween(1, conclusions(ledgerNode).size());
        }
    }

    // ------------------------------------------------------------------------------ processes

    private AdagiodProcess api(Map<String, String> env) {
        var process = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env);
        processes.add(process);
        return process;
    }

    private AdagiodProcess agent(Map<String, String> env) {
        var process = AdagiodProcess.start(List.of("agent", "-agent-count", "3", "-shutdown-grace", "1s"), env);
        processes.add(process);
        return process;
    }
}
