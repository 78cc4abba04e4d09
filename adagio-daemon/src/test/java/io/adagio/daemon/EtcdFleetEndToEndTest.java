package io.adagio.daemon;

import static io.adagio.daemon.RunJson.awaitAllCompleted;
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
import io.adagio.testkit.etcd.EtcdExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed deployment under stress, with real {@code adagiod} processes on real etcd: several
 * agent processes sharing the work, an agent killed with SIGKILL mid-node (and the work after it),
 * the API killed and restarted under load, and the etcd leader stopped under load. Every run's
 * {@code exec} ledger node appends a unique token to one file: across all of it no token may appear
 * twice (at most once per attempt), and every token of a successful ledger node appears once. How
 * fast any of it goes is the benchmark's business: the deadlines here are only there to end a hung test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdFleetEndToEndTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    /** Short leases keep orphan recovery quick; passed through the environment, as an operator might. */
    private static final Duration TTL = Duration.ofSeconds(3);

    private static final Duration STARTUP = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    private static Path ledger;
    /** Tokens whose ledger node succeeded, over all tests: each must be in the ledger exactly once. */
    private static final Set<String> recordedTokens = ConcurrentHashMap.newKeySet();

    private final List<AdagiodProcess> processes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void createLedger() throws IOException {
        ledger = Files.createFile(dir.resolve("ledger"));
    }

    @AfterEach
    void stopProcesses() {
        processes.forEach(p -> {
            if (p.isAlive()) {
                p.terminate();
            }
        });
        processes.forEach(AdagiodProcess::close);
    }

    @AfterAll
    static void noTokenAppearsTwiceAcrossAllTests() throws IOException {
        var lines = Files.readAllLines(ledger);
        assertThat(lines).as("ledger lines").doesNotHaveDuplicates();
        assertThat(lines).containsAll(recordedTokens);
    }

    // ------------------------------------------------------------------------------ the tests

    @Test
    @Order(1)
    void threeAgentProcessesShareAHundredRunsOfTheSevenNodeExample() {
        var env = env(ETCD.cluster(), "fleet");
        var api = start(List.of("api", "-listen", "127.0.0.1:0"), env);
        var agents = List.of(agent(env, 3), agent(env, 3), agent(env, 3));
        var client = new ApiClient(api.awaitApi(STARTUP));
        var agentIds = agents.stream().map(agent -> agent.awaitAgentId(STARTUP)).toList();

        var listed = Awaitility.await("three agents listed")
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ApiClient.json(client.get("/v0/agents")).path("agents"), a -> a.size() == 3);
        for (var agent : listed) {
            assertThat(agentIds).contains(agent.path("id").asText());
            assertThat(agent.path("runtimes").findValuesAsText("name")).contains("debug", "exec");
        }

        var tokens = new LinkedHashMap<String, String>();
        for (int i = 0; i < 100; i++) {
            var token = token("seven");
            tokens.put(client.startRun(sevenNodes(token)), token);
        }
        var runs = awaitAllCompleted(listing(() -> client), tokens.keySet(), 100, Duration.ofMinutes(4));

        var nodesPerAgent = new HashMap<String, Integer>();
        for (var run : runs.values()) {
            for (var node : run.path("nodes")) {
                assertThat(conclusions(node))
                        .as("%s of run %s", name(node), run.path("id").asText())
                        .containsExactly("SUCCESS");
                nodesPerAgent.merge(claimAgent(node), 1, Integer::sum);
            }
        }
        System.out.println("nodes executed per agent process: " + nodesPerAgent);
        assertThat(nodesPerAgent.keySet())
                .as("agents that executed nodes")
                .containsExactlyInAnyOrderElementsOf(agentIds);
        assertThat(nodesPerAgent.values()).allMatch(n -> n > 0);
        checkLedger(runs, tokens);
        assertNoKeepaliveTrouble();
    }

    @Test
    @Order(2)
    void theNodeOfAnAgentKilledWithSigkillIsOrphanedAndRetriedOnAnotherAgentWhichTakesTheWorkAfterIt() {
        var env = env(ETCD.cluster(), "sigkill");
        var api = start(List.of("api", "-listen", "127.0.0.1:0"), env);
        var doomed = agent(env, 2);
        var client = new ApiClient(api.awaitApi(STARTUP));
        var doomedId = doomed.awaitAgentId(STARTUP);

        var token = token("after-long");
        // The first attempt outlasts the kill however slowly the second agent starts: it runs until
        // its agent (its parent process) is gone, at most 2 minutes. The retry, which finds the
        // first attempt's mark, succeeds at once.
        var mark = dir.resolve("long-started");
        String id = client.startRun("""
                {"nodes": [{"name": "long", "runtime": "exec", "retry": {"error": {"max_attempts": 2}},
                            "metadata": {"adagio.arguments.exec.command": {"values": ["sh"]},
                                         "adagio.arguments.exec.args": {"values": ["-c",
                                             "if [ -e '%s' ]; then exit 0; fi; touch '%s'; i=0; while kill -0 $PPID 2>/dev/null && [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done"]}}},
                           %s],
                 "edges": [{"source": "long", "destination": "ledger"}]}""".formatted(mark, mark, ledgerNode("ledger", token)));
        var running = Awaitility.await("long node claimed")
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> node(client.run(id), "long"),
                        n -> n.path("status").asText().equals("RUNNING"));
        assertThat(claimAgent(running)).isEqualTo(doomedId);

        var survivor = agent(env, 2);
        var survivorId = survivor.awaitAgentId(STARTUP);
        Awaitility.await("both agents listed")
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> listedAgents(client), ids -> ids.containsAll(List.of(doomedId, survivorId)));

        doomed.kill();
        long killedAt = System.nanoTime();
        // Its lease expires: etcd ends it at most the TTL after the last heartbeat.
        Awaitility.await("killed agent leaves ListAgents")
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !listedAgents(client).contains(doomedId));
        System.out.println("killed agent left ListAgents after "
                + Duration.ofNanos(System.nanoTime() - killedAt).toMillis() + " ms (lease TTL " + TTL + ")");

        // Thirty more runs after the kill, each appending its token once: the survivor takes them all.
        var tokens = new LinkedHashMap<String, String>();
        tokens.put(id, token);
        for (int i = 0; i < 30; i++) {
            var more = token("after-kill");
            tokens.put(client.startRun("{\"nodes\": [%s]}".formatted(ledgerNode("ledger", more))), more);
        }

        var runs = awaitAllCompleted(listing(() -> client), tokens.keySet(), 31, STARTUP);
        var long0 = node(runs.get(id), "long");
        assertThat(conclusions(long0)).containsExactly("ERROR", "SUCCESS");
        assertThat(long0.path("attempts").get(0).path("output").asText()).isEqualTo(base64("node was orphaned"));
        assertThat(claimAgent(long0)).as("the agent of the SUCCESS attempt").isEqualTo(survivorId);
        for (var runId : tokens.keySet()) {
            assertThat(conclusions(node(runs.get(runId), "ledger")))
                    .as("ledger node of run %s", runId)
                    .containsExactly("SUCCESS");
        }
        checkLedger(runs, tokens);
        assertNoKeepaliveTrouble();
    }

    @Test
    @Order(3)
    void noRunIsLostWhenTheApiProcessIsKilledAndRestartedUnderLoad() throws Exception {
        var env = env(ETCD.cluster(), "api-restart");
        var first = start(List.of("api", "-listen", "127.0.0.1:0"), env);
        agent(env, 3);
        agent(env, 3);
        var current = new AtomicReference<>(new ApiClient(first.awaitApi(STARTUP)));

        var load = new Load(current::get, 50, "api-restart");
        load.start();
        Awaitility.await("a third of the load started").atMost(STARTUP).until(() -> load.acknowledged.size() >= 15);
        first.kill();
        var second = start(List.of("api", "-listen", "127.0.0.1:0"), env);
        current.set(new ApiClient(second.awaitApi(STARTUP)));
        load.join(Duration.ofMinutes(2));

        var runs = awaitAllCompleted(listing(current::get), load.acknowledged.keySet(), 50, Duration.ofMinutes(3));
        System.out.println("API restart: " + load.acknowledged.size() + " runs acknowledged, " + runs.size()
                + " runs listed, " + load.failures + " start requests failed and were retried");
        assertThat(load.acknowledged).hasSize(50);
        checkLedger(runs, load.tokens());
        assertNoKeepaliveTrouble();
    }

    @Test
    @Order(4)
    void everyRunCompletesWhenTheEtcdLeaderIsStoppedUnderLoad() throws Exception {
        try (var cluster = EtcdCluster.start(3)) {
            var env = env(cluster, "failover");
            var api = start(List.of("api", "-listen", "127.0.0.1:0"), env);
            agent(env, 3);
            agent(env, 3);
            var client = new ApiClient(api.awaitApi(STARTUP));

            var load = new Load(() -> client, 40, "failover");
            load.start();
            Awaitility.await("a third of the load started").atMost(STARTUP).until(() -> load.acknowledged.size() >= 13);
            int leader = cluster.leader();
            cluster.stop(leader);
            System.out.println("stopped etcd leader m" + leader + " after " + load.acknowledged.size() + " runs");
            load.join(Duration.ofMinutes(2));

            var runs = awaitAllCompleted(listing(() -> client), load.acknowledged.keySet(), 40, Duration.ofMinutes(3));
            System.out.println("leader stop: " + runs.size() + " runs listed, " + load.failures
                    + " start requests failed and were retried");
            checkLedger(runs, load.tokens());
            assertNoKeepaliveTrouble();
        }
    }

    // ------------------------------------------------------------------------------ processes

    private static Map<String, String> env(EtcdCluster etcd, String namespace) {
        return EtcdBackend.of(etcd).namespace(namespace).leaseTtl(TTL).env();
    }

    private AdagiodProcess start(List<String> args, Map<String, String> env) {
        var process = AdagiodProcess.start(args, env);
        processes.add(process);
        return process;
    }

    private AdagiodProcess agent(Map<String, String> env, int workers) {
        return start(List.of("agent", "-agent-count", Integer.toString(workers), "-shutdown-grace", "1s"), env);
    }

    private static List<String> listedAgents(ApiClient client) {
        return ApiClient.json(client.get("/v0/agents")).path("agents").findValuesAsText("id");
    }

    private void assertNoKeepaliveTrouble() {
        for (var p : processes) {
            assertThat(p.stderr())
                    .as("log of %s", p)
                    .doesNotContain("too_many_pings")
                    .doesNotContain("ENHANCE_YOUR_CALM");
        }
    }

    // ------------------------------------------------------------------------------ load and checks

    private static String token(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** An exec node that appends {@code token} to the ledger (exec runs no shell: sh is the program). */
    private static String ledgerNode(String name, String token) {
        return """
                {"name": "%s", "runtime": "exec",
                 "metadata": {"adagio.arguments.exec.command": {"values": ["sh"]},
                              "adagio.arguments.exec.args": {"values": ["-c", "echo %s >> '%s'"]}}}""".formatted(name, token, ledger);
    }

    /** The seven-node example (as examples/hello.json), its last node writing to the ledger. */
    private static String sevenNodes(String token) {
        return """
                {"nodes": [{"name": "a", "runtime": "debug"},
                           {"name": "b", "runtime": "debug", "metadata": {"adagio.arguments.debug.sleep": {"values": ["100ms"]}}},
                           {"name": "c", "runtime": "debug"}, {"name": "d", "runtime": "debug"},
                           {"name": "e", "runtime": "debug"}, {"name": "f", "runtime": "debug"},
                           %s],
                 "edges": [{"source": "a", "destination": "c"}, {"source": "a", "destination": "d"},
                           {"source": "b", "destination": "d"}, {"source": "b", "destination": "f"},
                           {"source": "c", "destination": "e"}, {"source": "d", "destination": "e"},
                           {"source": "e", "destination": "g"}, {"source": "f", "destination": "g"}]}""".formatted(ledgerNode("g", token));
    }

    /** A short chain for loads: a little work, the ledger, a little more. */
    private static String chain(String token) {
        return """
                {"nodes": [{"name": "before", "runtime": "debug", "metadata": {"adagio.arguments.debug.sleep": {"values": ["200ms"]}}},
                           %s,
                           {"name": "after", "runtime": "debug"}],
                 "edges": [{"source": "before", "destination": "ledger"}, {"source": "ledger", "destination": "after"}]}""".formatted(ledgerNode("ledger", token));
    }

    /**
     * Starts {@code count} runs one after another through whatever API is current, retrying a start
     * that fails (API down, etcd electing a leader) with a new token: a start whose answer was lost
     * may still have created its run, which then runs with its own token.
     */
    private static final class Load {
        final Map<String, String> acknowledged = new ConcurrentHashMap<>();
        final AtomicInteger failures = new AtomicInteger();
        private final Supplier<ApiClient> api;
        private final int count;
        private final String prefix;
        private final Thread thread;
        private volatile Throwable error;

        Load(Supplier<ApiClient> api, int count, String prefix) {
            this.api = api;
            this.count = count;
            this.prefix = prefix;
            this.thread = Thread.ofPlatform().name("load-" + prefix).unstarted(this::run);
        }

        void start() {
            thread.start();
        }

        private void run() {
            try {
                // A start that fails is tried again after a pause, as any client should, until it is
                // acknowledged; the next run right after.
                Awaitility.await("load of " + count + " runs started")
                        .atMost(Duration.ofMinutes(2))
                        .pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            while (acknowledged.size() < count) {
                                if (!startOne()) {
                                    return false;
                                }
                            }
                            return true;
                        });
            } catch (Throwable t) {
                error = t;
            }
        }

        /** Starts one run; false when the start failed (it may still have created the run). */
        private boolean startOne() {
            var token = token(prefix);
            try {
                acknowledged.put(api.get().startRun(chain(token)), token);
                return true;
            } catch (UncheckedIOException | AssertionError e) {
                failures.incrementAndGet();
                return false;
            }
        }

        void join(Duration timeout) throws InterruptedException {
            assertThat(thread.join(timeout)).as("load finished").isTrue();
            if (error != null) {
                throw new AssertionError("the load failed", error);
            }
        }

        Map<String, String> tokens() {
            return Map.copyOf(acknowledged);
        }
    }

    /** The runs as ListRuns has them, through whichever API process {@code api} gives now. */
    private static RunJson.Listing listing(Supplier<ApiClient> api) {
        return () -> ApiClient.json(api.get().get("/v0/runs"));
    }

    /**
     * Each acknowledged run's ledger node ran at most once and, if it succeeded, its token is in the
     * ledger exactly once; nothing in the ledger is there twice.
     */
    private static void checkLedger(Map<String, JsonNode> runs, Map<String, String> tokens) {
        List<String> lines;
        try {
            lines = Files.readAllLines(ledger);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(lines).doesNotHaveDuplicates();
        for (var e : tokens.entrySet()) {
            var run = runs.get(e.getKey());
            assertThat(run).as("run %s", e.getKey()).isNotNull();
            var ledgerNode = node(run, run.path("nodes").size() == 7 ? "g" : "ledger");
            var attempts = conclusions(ledgerNode);
            assertThat(attempts).as("ledger node of run %s", e.getKey()).hasSizeLessThanOrEqualTo(1);
            if (attempts.equals(List.of("SUCCESS"))) {
                assertThat(lines).as("ledger").contains(e.getValue());
                recordedTokens.add(e.getValue());
            }
        }
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
