package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.client.AdagioClient;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.wire.GraphSpecJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lean path of the read-only listings against a real adagiod that requires a token: the same
 * output as the full client, and nothing printed (the full client then runs) whenever it cannot
 * answer as the full client would.
 */
class LeanPathTest {
    private static final String TOKEN = "lean-test-token-0123456789abcdef";

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static String host;
    static Path tokenFile;
    static Path wrongTokenFile;

    @BeforeAll
    static void startDaemonWithRuns() throws Exception {
        var tokens = Files.writeString(dir.resolve("tokens"), "alice:" + TOKEN + "\n");
        tokenFile = Files.writeString(dir.resolve("my-token"), TOKEN + "\n");
        wrongTokenFile = Files.writeString(dir.resolve("wrong-token"), "not-the-token\n");
        daemon = AdagiodProcess.startListening(dir, "-agent-count", "2", "-auth-token-file", tokens.toString());
        host = daemon.address();
        try (var client = AdagioClient.builder().address(host).token(TOKEN).build()) {
            var ids = new ArrayList<String>();
            for (var spec : List.of("seven.json", "seven-failing.json", "seven.json")) {
                ids.add(client.start(GraphSpecJson.parse(CliTest.spec(spec))).id());
            }
            for (var id : ids) {
                client.awaitCompletion(id, Duration.ofMinutes(2));
            }
        }
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    record Output(int code, String out, String err) {}

    static Output lean(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = LeanPath.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Output(code, out.toString(), err.toString());
    }

    static Output full(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.full(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Output(code, out.toString(), err.toString());
    }

    static String[] withToken(String... command) {
        var args = new ArrayList<>(List.of("-host", host, "-token-file", tokenFile.toString()));
        args.addAll(List.of(command));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "runs ls",
                "runs list",
                "runs ls -limit 2",
                "runs ls --limit=1 -o table",
                "runs ls -since 1h",
                "runs ls -until 2020-01-01",
                // Relative to each call's own "now": 0s, so that no run is created between the two
                // calls' bounds (with 1s, a run made a second before fell between them: a flake).
                "runs ls -since=2020-01-01 -until 0s -output TABLE",
                "stats",
                "agents ls",
                "agents list -o table"
            })
    void printsWhatTheFullClientPrints(String command) {
        String[] args = withToken(command.split(" "));
        var lean = lean(args);
        var full = full(args);

        assertThat(lean.code()).as("lean path taken for %s", command).isZero();
        assertThat(lean).isEqualTo(full);
    }

    @Test
    void listsEveryRunWithItsConclusion() {
        var lean = lean(withToken("runs", "ls"));

        assertThat(lean.out().lines().toList()).hasSize(4).first().asString().startsWith("ID ");
        assertThat(lean.out()).contains(" COMPLETED  SUCCESS ", " COMPLETED  FAIL ");
    }

    @Test
    void optionsMayComeBeforeAndAfterTheCommandLikeTheFullClient() {
        var args = new String[] {"--token-file", tokenFile.toString(), "runs", "--host=" + host, "ls", "-limit=2"};

        assertThat(lean(args)).isEqualTo(full(args)).extracting(Output::code).isEqualTo(0);
    }

    @Test
    void aWrongOrMissingTokenIsLeftToTheFullClientWhichSaysWhy() {
        var wrong = new String[] {"-host", host, "-token-file", wrongTokenFile.toString(), "runs", "ls"};
        assertThat(lean(wrong)).isEqualTo(new Output(LeanPath.NOT_HANDLED, "", ""));

        var none = new String[] {"-host", host, "stats"};
        assertThat(lean(none)).isEqualTo(new Output(LeanPath.NOT_HANDLED, "", ""));

        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.run(none, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(Errors.FAILURE);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().toList())
                .hasSize(1)
                .first()
                .asString()
                .startsWith("adagio: ");
        assertThat(err.toString()).doesNotContain(TOKEN);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "runs ls -o json",
                "runs ls -limit -1",
                "runs ls -limit x",
                "runs ls -limit 1 -limit 2",
                "runs ls -since yesterday",
                "runs ls extra",
                "runs -limit 1 ls",
                "runs ls -h",
                "runs ls --",
                "runs ls -tls",
                "runs inspect ID",
                "runs",
                "stats -o json",
                "help runs"
            })
    void commandLinesItDoesNotReadPlainlyAreLeftToPicocli(String command) {
        assertThat(lean(withToken(command.split(" ")))).isEqualTo(new Output(LeanPath.NOT_HANDLED, "", ""));
    }

    @Test
    void tlsAndUnreachableServersAreLeftToTheFullClient() throws Exception {
        assertThat(lean("-host", "https://" + host, "-token-file", tokenFile.toString(), "runs", "ls"))
                .isEqualTo(new Output(LeanPath.NOT_HANDLED, "", ""));
        int closed = AdagiodProcess.freePort();
        assertThat(lean("-host", "127.0.0.1:" + closed, "runs", "ls"))
                .isEqualTo(new Output(LeanPath.NOT_HANDLED, "", ""));
    }

    @Test
    void theTokenFromTheEnvironmentWorksOnTheLeanPath() throws Exception {
        var cli = new CliProcess(dir);
        var r = cli.run(Map.of("ADAGIO_TOKEN", TOKEN), null, "-host", host, "runs", "ls");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        var full = full(withToken("runs", "ls"));
        assertThat(r.out()).isEqualTo(full.out());
    }

    @Test
    void readsTheWiresJsonAsTheFullClientDoes() {
        var fixed = PrintersTest.run();
        var rich = new Node(
                new NodeSpec(
                        "rich",
                        "exec",
                        Map.of("adagio.arguments.exec.command", List.of("echo", "<&'\"\u00e9>")),
                        Map.of(
                                "fail",
                                new RetryRule(
                                        3, new RetryRule.Backoff(Duration.ofMillis(1500), Duration.ofSeconds(-2), 1.5)),
                                "error",
                                new RetryRule(2, null)),
                        Duration.ofNanos(1)),
                NodeStatus.READY,
                List.of(),
                null,
                null,
                Map.of("in", new byte[] {(byte) 0xff, 0, 62, 63}),
                new Claim("C", Map.of("k", List.of("v"))),
                Conclusion.NONE,
                PrintersTest.T0.plusSeconds(30),
                false);
        var nodes = new ArrayList<>(fixed.nodes());
        nodes.add(rich);
        var run = new Run(fixed.id(), fixed.createdAt(), nodes, fixed.edges(), fixed.status(), Conclusion.NONE);
        var json = JsonPrinters.runJson(run);

        Run read = WireJson.run(JsonReader.parse(json));

        assertThat(JsonPrinters.runJson(read)).isEqualTo(json);
        assertThat(read.nodes()).extracting(n -> n.status()).contains(NodeStatus.RUNNING, NodeStatus.COMPLETED);
        assertThat(read.nodes().get(1).attempts())
                .extracting(a -> new String(a.output(), StandardCharsets.UTF_8))
                .containsExactly("first try failed", "checksum mismatch");
        assertThat(read.nodes().get(1).attempts().getFirst().conclusion()).isEqualTo(Conclusion.FAIL);
    }

    @Test
    void aListingReadOnlyForItsTableShowsWhatTheWholeRunsShow() {
        var running = PrintersTest.run();
        var completed = new Run(
                "01JX0000000000000000000RUM",
                running.createdAt(),
                running.nodes().stream()
                        .map(n -> new Node(
                                n.spec(),
                                NodeStatus.COMPLETED,
                                n.attempts(),
                                n.startedAt(),
                                n.finishedAt() == null ? running.createdAt().plusSeconds(90) : n.finishedAt(),
                                n.inputs(),
                                n.claim(),
                                // A server that sends no node conclusion: the last attempt's counts.
                                Conclusion.NONE,
                                null,
                                false))
                        .toList(),
                running.edges(),
                RunStatus.COMPLETED,
                Conclusion.FAIL);
        byte[] json = JsonPrinters.runsJson(List.of(running, completed)).getBytes(StandardCharsets.UTF_8);
        var now = running.createdAt().plusSeconds(75);

        var listed = new StringWriter();
        Printers.runs(WireJson.listedRuns(JsonReader.parse(json, WireJson.LISTED)), now, new PrintWriter(listed), null);
        var whole = new StringWriter();
        Printers.runs(
                WireJson.runs(JsonReader.parse(new String(json, StandardCharsets.UTF_8))),
                now,
                new PrintWriter(whole),
                null);

        assertThat(listed.toString())
                .isEqualTo(whole.toString())
                .contains(" RUNNING ", " COMPLETED ", "FAILING", " FAIL ", "3/6", "6/6");
    }
}
