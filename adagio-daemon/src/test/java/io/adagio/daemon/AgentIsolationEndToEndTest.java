package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a workload can reach on a real adagiod: an agent runs only the runtimes it offers, and an
 * exec child sees neither adagiod's configuration (its etcd password) nor anything it was not given.
 */
class AgentIsolationEndToEndTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration RUN = Duration.ofSeconds(60);

    @Test
    void anAgentStartedWithDebugOnlyNeverExecutesAnExecNode(@TempDir Path dir) {
        var marker = dir.resolve("exec-ran");
        // One worker takes the events in order: once the later debug run completed, the exec node's
        // event was seen (and left alone) before it.
        try (var daemon = AdagiodProcess.start("-listen", "127.0.0.1:0", "-agent-count", "1", "-runtimes", "debug")) {
            var api = new ApiClient(daemon.awaitApi(STARTUP));
            var agents = ApiClient.json(api.get("/v0/agents")).path("agents");
            assertThat(agents).hasSize(1);
            assertThat(names(agents.get(0).path("runtimes"))).containsExactly("debug");

            var execRun = api.startRun("""
                    {"nodes": [{"name": "touch", "runtime": "exec",
                                "metadata": {"adagio.arguments.exec.command": {"values": ["touch"]},
                                             "adagio.arguments.exec.args": {"values": ["%s"]}}}]}""".formatted(marker));
            var debugRun = api.startRun("{\"nodes\": [{\"name\": \"after\", \"runtime\": \"debug\"}]}");
            awaitCompleted(api, debugRun);

            var node = api.run(execRun).path("nodes").get(0);
            assertThat(node.path("status").asText()).isEqualTo("READY");
            assertThat(node.path("attempts")).isEmpty();
            assertThat(marker).doesNotExist();
            assertThat(daemon.stderr()).contains("runtimes [debug]");
        }
    }

    @Test
    void anExecNodeSeesNoneOfAdagiodsVariablesOnlyWhatItWasGiven(@TempDir Path workRoot) throws Exception {
        var env = new LinkedHashMap<String, String>();
        env.put("ADAGIOD_ETCD_USERNAME", "adagio");
        env.put("ADAGIOD_ETCD_PASSWORD", "etcd-password-value");
        env.put("ADAGIOD_SOME_FUTURE_SECRET", "future-secret-value");
        env.put("FOO", "foo-from-the-daemon");
        env.put("NOT_ALLOWED", "not-allowed-value");
        try (var daemon = AdagiodProcess.start(
                List.of(
                        "-listen",
                        "127.0.0.1:0",
                        "-exec-env-allow",
                        "FOO,ABSENT",
                        "-exec-work-dir",
                        workRoot.toString()),
                env)) {
            var api = new ApiClient(daemon.awaitApi(STARTUP));
            var id = api.startRun("""
                    {"nodes": [{"name": "show-env", "runtime": "exec",
                                "metadata": {"adagio.arguments.exec.command": {"values": ["env"]},
                                             "adagio.arguments.exec.env": {"values": ["BAR=1"]}}},
                               {"name": "show-dir", "runtime": "exec",
                                "metadata": {"adagio.arguments.exec.command": {"values": ["sh"]},
                                             "adagio.arguments.exec.args":
                                                 {"values": ["-c", "pwd; echo data > written-here"]}}}]}""");
            var run = awaitCompleted(api, id);

            var shown = output(run, "show-env");
            var variables = new LinkedHashMap<String, String>();
            shown.lines()
                    .forEach(line ->
                            variables.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
            assertThat(variables)
                    .containsEntry("FOO", "foo-from-the-daemon")
                    .containsEntry("BAR", "1")
                    .containsEntry("ADAGIO_RUN_ID", id)
                    .containsEntry("ADAGIO_NODE", "show-env")
                    .containsEntry("ADAGIO_ATTEMPT", "1")
                    .doesNotContainKeys("NOT_ALLOWED", "ABSENT");
            assertThat(variables.keySet()).noneMatch(name -> name.startsWith("ADAGIOD_"));
            assertThat(shown)
                    .doesNotContain("etcd-password-value")
                    .doesNotContain("future-secret-value")
                    .doesNotContain("not-allowed-value");
            // and adagiod does not log the values it passes on
            assertThat(daemon.stderr()).contains("FOO").doesNotContain("foo-from-the-daemon");

            var attemptDir = Path.of(output(run, "show-dir").strip());
            assertThat(attemptDir.getParent()).isEqualTo(workRoot.toRealPath());
            assertThat(attemptDir).doesNotExist();
            assertThat(workRoot).isEmptyDirectory();
        }
    }

    private static JsonNode awaitCompleted(ApiClient api, String id) {
        return Awaitility.await("run " + id + " completed")
                .atMost(RUN)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> api.run(id), r -> r.path("status").asText().equals("COMPLETED"));
    }

    private static String output(JsonNode run, String nodeName) {
        for (var node : run.path("nodes")) {
            if (node.path("spec").path("name").asText().equals(nodeName)) {
                var last = node.path("attempts").get(node.path("attempts").size() - 1);
                assertThat(last.path("conclusion").asText()).as(node.toString()).isEqualTo("SUCCESS");
                return new String(Base64.getDecoder().decode(last.path("output").asText()), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no node " + nodeName + " in " + run);
    }

    private static List<String> names(JsonNode runtimes) {
        var names = new ArrayList<String>();
        runtimes.forEach(
                r -> names.add(r.isTextual() ? r.asText() : r.path("name").asText()));
        return names;
    }
}
