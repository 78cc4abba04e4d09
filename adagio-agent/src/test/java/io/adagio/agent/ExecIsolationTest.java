package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.agent.runtime.exec.ExecEnvironment;
import io.adagio.agent.runtime.exec.ExecRuntime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What an exec child gets to see of the agent: a minimal environment (never adagiod's own
 * variables) and a fresh working directory of its own, removed when the attempt ends. Real
 * programs ({@code env}, {@code pwd}, {@code sh}) through a real agent pool.
 */
class ExecIsolationTest extends PoolFixture {
    /** The agent's environment as the runtime sees it: secrets among ordinary variables. */
    static final Map<String, String> AGENT_ENV = agentEnvironment();

    @TempDir
    Path workRoot;

    @TempDir
    Path elsewhere;

    static Map<String, String> agentEnvironment() {
        var env = new LinkedHashMap<String, String>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", "/home/agent");
        env.put("LANG", "C.UTF-8");
        env.put("ADAGIOD_ETCD_USERNAME", "adagio");
        env.put("ADAGIOD_ETCD_PASSWORD", "etcd-secret");
        env.put("ADAGIOD_API_TOKEN", "api-secret");
        env.put("AWS_SECRET_ACCESS_KEY", "cloud-secret");
        env.put("FOO", "allowed-by-the-operator");
        return Map.copyOf(env);
    }

    ExecRuntime.Builder exec() {
        return ExecRuntime.builder().environmentSource(AGENT_ENV).workRoot(workRoot);
    }

    Result runOne(Specs.NodeBuilder node) {
        return node(awaitCompleted(start(Specs.single(node))), node.build().name())
                .attempts()
                .getLast();
    }

    static Specs.NodeBuilder command(String command, String... args) {
        var n = task("x", "exec").arg("exec", "command", command);
        return args.length == 0 ? n : n.arg("exec", "args", args);
    }

    static Map<String, String> parseEnv(String output) {
        var env = new LinkedHashMap<String, String>();
        output.lines().forEach(line -> {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        });
        return env;
    }

    // ---------------------------------------------------------------- environment

    @Test
    void aChildSeesTheBaseVariablesTheAllowedOnesItsOwnAndNoSecret() {
        startPool(b -> b.runtime(
                exec().allowEnvironment(List.of("FOO", "NOT_SET_ANYWHERE")).build()));
        var result = runOne(command("env").arg("exec", "env", "BAR=1", "EQUALS=a=b", "EMPTY="));
        assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
        var env = parseEnv(result.outputText());
        assertThat(env)
                .containsOnlyKeys(
                        "PATH",
                        "HOME",
                        "LANG",
                        "FOO",
                        "BAR",
                        "EQUALS",
                        "EMPTY",
                        "ADAGIO_RUN_ID",
                        "ADAGIO_NODE",
                        "ADAGIO_ATTEMPT")
                .containsEntry("PATH", System.getenv("PATH"))
                .containsEntry("HOME", "/home/agent")
                .containsEntry("FOO", "allowed-by-the-operator")
                .containsEntry("BAR", "1")
                .containsEntry("EQUALS", "a=b")
                .containsEntry("EMPTY", "")
                .containsEntry("ADAGIO_NODE", "x")
                .containsEntry("ADAGIO_ATTEMPT", "1");
        assertThat(result.outputText()).doesNotContain("secret").doesNotContain("ADAGIOD_");
    }

    @Test
    void withoutConfigurationOnlyTheBaseVariablesPass() {
        startPool(b -> b.runtime(exec().build()));
        var run = start(Specs.single(command("env")));
        var env = parseEnv(node(awaitCompleted(run), "x").attempts().getLast().outputText());
        assertThat(env)
                .containsOnlyKeys("PATH", "HOME", "LANG", "ADAGIO_RUN_ID", "ADAGIO_NODE", "ADAGIO_ATTEMPT")
                .containsEntry("ADAGIO_RUN_ID", run);
    }

    @Test
    void theDefaultRuntimePassesNothingOfThisProcessBeyondTheBase() {
        startPool(b -> b.runtime(new ExecRuntime()));
        var env = parseEnv(runOne(command("env")).outputText());
        assertThat(env.keySet())
                .containsAll(List.of("ADAGIO_RUN_ID", "ADAGIO_NODE", "ADAGIO_ATTEMPT"))
                .allMatch(name -> ExecEnvironment.BASE.contains(name) || name.startsWith("ADAGIO_"));
        assertThat(env.keySet()).noneMatch(name -> name.startsWith("ADAGIOD_"));
    }

    @Test
    void aNodeMayOverrideABaseVariable() {
        startPool(b -> b.runtime(exec().build()));
        assertThat(runOne(command("sh", "-c", "echo \"$LANG\"").arg("exec", "env", "LANG=fr_FR.UTF-8"))
                        .outputText())
                .isEqualTo("fr_FR.UTF-8\n");
    }

    @Test
    void everyAttemptKnowsItsNumber() {
        startPool(b -> b.runtime(exec().build()));
        var attempts = node(
                        awaitCompleted(start(Specs.single(command("sh", "-c", "echo $ADAGIO_ATTEMPT; exit 1")
                                .retry("fail", 3)))),
                        "x")
                .attempts();
        assertThat(attempts).extracting(Result::outputText).containsExactly("1\n", "2\n", "3\n");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "NO_EQUALS_SIGN          | \"NO_EQUALS_SIGN\" is not NAME=VALUE",
                "ADAGIOD_ETCD_PASSWORD=x | cannot set \"ADAGIOD_ETCD_PASSWORD\": ADAGIOD_* variables are",
                "adagiod_lower=x         | cannot set \"adagiod_lower\": ADAGIOD_* variables",
                "ADAGIO_ATTEMPT=7        | cannot set \"ADAGIO_ATTEMPT\": the agent sets it",
                "1ST=x                   | cannot set \"1ST\": not a variable name",
                "=x                      | cannot set \"\": not a variable name",
            })
    void aBadEnvEntryIsAnErrorNamingItAndNothingRuns(String entry, String problem) {
        startPool(b -> b.runtime(exec().build()));
        var marker = elsewhere.resolve("ran");
        var result = runOne(command("touch", marker.toString()).arg("exec", "env", "GOOD=1", entry));
        assertThat(result.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(result.outputText()).startsWith("argument \"env\" of runtime \"exec\": " + problem);
        assertThat(result.metadata()).containsEntry(AgentPool.ARGUMENT_KEY, List.of("env"));
        assertThat(marker).doesNotExist();
    }

    @Test
    void aNameSetTwiceIsAnError() {
        startPool(b -> b.runtime(exec().build()));
        assertThat(runOne(command("true").arg("exec", "env", "A=1", "A=2")).outputText())
                .isEqualTo("argument \"env\" of runtime \"exec\": \"A\" is set twice");
    }

    @Test
    void theOperatorCannotAllowAdagiodsVariablesNorTheAgentsOwn() {
        assertThatThrownBy(() -> ExecRuntime.builder().allowEnvironment(List.of("FOO", "ADAGIOD_ETCD_PASSWORD")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot pass \"ADAGIOD_ETCD_PASSWORD\" to exec children: ADAGIOD_* variables are"
                        + " adagiod's configuration and never reach a workload");
        assertThatThrownBy(() -> ExecRuntime.builder().allowEnvironment(List.of("ADAGIO_RUN_ID")))
                .hasMessageContaining("the agent sets it");
        assertThatThrownBy(() -> ExecRuntime.builder().allowEnvironment(List.of("NOT-A-NAME")))
                .hasMessageContaining("not a variable name");
    }

    // ---------------------------------------------------------------- working directory

    @Test
    void eachAttemptRunsInAFreshPrivateDirectoryThatIsRemovedAfterwards() throws Exception {
        startPool(b -> b.runtime(exec().build()));
        var attempts = node(
                        awaitCompleted(start(Specs.single(
                                command("sh", "-c", "pwd; ls -A; stat -c %a .; echo data > left-behind; exit 1")
                                        .retry("fail", 2)))),
                        "x")
                .attempts();
        var first = attempts.get(0).outputText().lines().toList();
        var second = attempts.get(1).outputText().lines().toList();
        // pwd, then an empty listing (nothing left by the first attempt), then the permissions
        assertThat(first).hasSize(2);
        assertThat(second).hasSize(2);
        var firstDir = Path.of(first.get(0));
        var secondDir = Path.of(second.get(0));
        assertThat(firstDir).isNotEqualTo(secondDir);
        assertThat(firstDir.getParent()).isEqualTo(workRoot.toRealPath());
        assertThat(firstDir.getFileName().toString()).startsWith("adagio-exec-");
        assertThat(first.get(1)).isEqualTo("700");
        assertThat(firstDir).doesNotExist();
        assertThat(secondDir).doesNotExist();
        assertThat(workRoot).isEmptyDirectory();
    }

    @Test
    void removalDeletesLinksAndNeverWhatTheyPointTo() throws Exception {
        var precious = Files.createDirectories(elsewhere.resolve("precious"));
        Files.writeString(precious.resolve("keep.txt"), "keep");
        var file = Files.writeString(elsewhere.resolve("file.txt"), "keep too");
        startPool(b -> b.runtime(exec().build()));
        var result = runOne(command(
                "sh",
                "-c",
                "set -e; ln -s " + precious + " dir-link; ln -s " + file + " file-link; mkdir -p a/b;" + " ln -s "
                        + precious + " a/b/deep-link; echo x > a/b/f; chmod 000 a/b; chmod 500 a"));
        assertThat(result.conclusion()).as(result.outputText()).isEqualTo(Conclusion.SUCCESS);
        assertThat(workRoot).isEmptyDirectory();
        assertThat(precious.resolve("keep.txt")).hasContent("keep");
        assertThat(file).hasContent("keep too");
    }

    @Test
    void aWorkingDirectoryReplacedByALinkIsNotFollowed() throws Exception {
        var precious = Files.createDirectories(elsewhere.resolve("precious"));
        Files.writeString(precious.resolve("keep.txt"), "keep");
        startPool(b -> b.runtime(exec().build()));
        var result = runOne(command("sh", "-c", "set -e; d=$(pwd); cd /; rm -r \"$d\"; ln -s " + precious + " \"$d\""));
        assertThat(result.conclusion()).as(result.outputText()).isEqualTo(Conclusion.SUCCESS);
        assertThat(workRoot).isEmptyDirectory();
        assertThat(precious.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void theDirectoryIsRemovedWhenTheProgramIsKilledOrCannotStart() throws Exception {
        startPool(b -> b.runtime(exec().build()));
        var timedOut = runOne(command("sh", "-c", "echo data > file; sleep 60 & echo $! > pid; exec sleep 60")
                .arg("exec", "timeout", "500ms"));
        assertThat(timedOut.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(workRoot).isEmptyDirectory();

        var cannotStart = runOne(command("adagio-no-such-program-anywhere"));
        assertThat(cannotStart.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(workRoot).isEmptyDirectory();
    }

    @Test
    void theDirectoryIsRemovedWhenTheAgentShutsDown() throws Exception {
        var started = elsewhere.resolve("started");
        var pool = startPool(b -> b.runtime(exec().build()).shutdownGracePeriod(Duration.ofMillis(100)));
        var runId = start(Specs.single(command("sh", "-c", "echo data > file; touch " + started + "; exec sleep 600")));
        await().atMost(DEADLINE).until(() -> Files.exists(started));
        try (Stream<Path> entries = Files.list(workRoot)) {
            assertThat(entries).hasSize(1);
        }

        pool.close();

        assertThat(node(runId, "x").attempts().getLast().outputText()).isEqualTo(AgentPool.SHUTDOWN_OUTPUT);
        assertThat(workRoot).isEmptyDirectory();
    }

    @Test
    void aMissingWorkRootIsAnErrorAttemptSayingSo() throws Exception {
        var root = Files.createDirectories(elsewhere.resolve("root"));
        startPool(b -> b.runtime(exec().workRoot(root).build()));
        Files.delete(root);
        var result = runOne(command("true"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(result.outputText()).startsWith("exec: cannot create a working directory under " + root);
    }

    @Test
    void anExplicitDirectoryIsUsedAndKept() throws Exception {
        startPool(b -> b.runtime(exec().build()));
        var result = runOne(command("sh", "-c", "pwd; echo hi > made-here").arg("exec", "dir", elsewhere.toString()));
        assertThat(result.outputText()).isEqualTo(elsewhere.toRealPath() + "\n");
        assertThat(elsewhere.resolve("made-here")).hasContent("hi");
        assertThat(workRoot).isEmptyDirectory();
    }
}
