package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.adagio.agent.runtime.exec.ExecRuntime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec runtime, driven through an agent pool; runs real programs found on every Unix system. */
class ExecRuntimeTest extends PoolFixture {

    Result runOne(Specs.NodeBuilder node) {
        return node(awaitCompleted(start(Specs.single(node))), node.build().name())
                .attempts()
                .getLast();
    }

    static Specs.NodeBuilder exec(String command, String... args) {
        var n = task("x", "exec").arg("exec", "command", command);
        return args.length == 0 ? n : n.arg("exec", "args", args);
    }

    @Test
    void exitZeroIsSuccessWithTheOutput() {
        startPool();
        var result = runOne(exec("echo", "one", "two words", "$HOME"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
        // no shell: each value is one argument, nothing is expanded
        assertThat(result.outputText()).isEqualTo("one two words $HOME\n");
        assertThat(result.metadata()).doesNotContainKey(ExecRuntime.EXIT_CODE);
    }

    @Test
    void standardErrorIsCapturedWithStandardOutput() {
        startPool();
        var result = runOne(exec("sh", "-c", "echo out; echo err >&2; echo out again"));
        assertThat(result.outputText()).isEqualTo("out\nerr\nout again\n");
    }

    @Test
    void aNonZeroExitIsFailWithTheExitCode() {
        startPool();
        var result = runOne(exec("sh", "-c", "echo about to fail; exit 3"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(result.metadata()).containsEntry(ExecRuntime.EXIT_CODE, List.of("3"));
        assertThat(result.outputText()).isEqualTo("about to fail\n");
    }

    @Test
    void failIsRetriedPerTheRule() {
        startPool();
        var result = node(awaitCompleted(start(Specs.single(exec("false").retry("fail", 2)))), "x")
                .attempts();
        assertThat(result).extracting(Result::conclusion).containsExactly(Conclusion.FAIL, Conclusion.FAIL);
    }

    @Test
    void aProgramThatCannotStartIsAnError() {
        startPool();
        var result = runOne(exec("adagio-no-such-program-anywhere"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(result.outputText()).contains("cannot start \"adagio-no-such-program-anywhere\"");
    }

    @Test
    void theWorkingDirectoryCanBeChosen(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("marker.txt"), "");
        startPool();
        assertThat(runOne(exec("ls").arg("exec", "dir", dir.toString())).outputText())
                .isEqualTo("marker.txt\n");
        var missing = runOne(exec("ls").arg("exec", "dir", dir.resolve("nope").toString()));
        assertThat(missing.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(missing.outputText()).contains("argument \"dir\"").contains("is not a directory");
    }

    @Test
    void outputBeyondTheCapIsCutAndMarked() {
        startPool(b -> b.runtime(new ExecRuntime(100)));
        var result = runOne(exec("seq", "1", "1000"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
        var full =
                String.join(
                                "\n",
                                java.util.stream.IntStream.rangeClosed(1, 1000)
                                        .mapToObj(Integer::toString)
                                        .toList()) + "\n";
        int dropped = full.length() - 100;
        assertThat(result.outputText())
                .startsWith(full.substring(0, 100))
                .endsWith("\n[output truncated: kept the first 100 bytes, dropped " + dropped + "]\n");
        assertThat(result.metadata()).containsEntry(ExecRuntime.OUTPUT_TRUNCATED, List.of(Integer.toString(dropped)));
    }

    @Test
    void theDefaultCapIsOneMebibyte() {
        startPool();
        var result = runOne(exec("head", "-c", "1100000", "/dev/zero"));
        var out = result.output();
        assertThat(Arrays.copyOf(out, 1 << 20)).containsOnly((byte) 0);
        assertThat(new String(out, 1 << 20, out.length - (1 << 20), StandardCharsets.UTF_8))
                .isEqualTo(
                        "\n[output truncated: kept the first 1048576 bytes, dropped " + (1100000 - (1 << 20)) + "]\n");
    }

    @Test
    void aProgramThatTakesTooLongIsKilledAndAnError() {
        startPool();
        var result = runOne(exec("sh", "-c", "echo started; exec sleep 60").arg("exec", "timeout", "1s"));
        assertThat(result.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(result.outputText()).isEqualTo("started\nexec: timed out after 1s; \"sh\" was killed");
    }

    @Test
    void shutdownKillsTheProgramAndItsDescendants(@TempDir Path dir) throws Exception {
        var pids = dir.resolve("pids");
        var pool = startPool(b -> b.shutdownGracePeriod(Duration.ofMillis(100)));
        var runId = start(Specs.single(
                exec("sh", "-c", "sleep 600 & echo $$ $! > " + pids + ".tmp; mv " + pids + ".tmp " + pids + "; wait")));
        await().atMost(DEADLINE).until(() -> Files.exists(pids));
        var handles = Arrays.stream(Files.readString(pids).trim().split(" "))
                .map(p -> ProcessHandle.of(Long.parseLong(p)).orElseThrow())
                .toList();
        assertThat(handles).hasSize(2).allMatch(ProcessHandle::isAlive);

        pool.close();

        var attempt = node(runId, "x").attempts().getLast();
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(attempt.outputText()).isEqualTo(io.adagio.agent.AgentPool.SHUTDOWN_OUTPUT);
        await().atMost(DEADLINE).until(() -> handles.stream().noneMatch(ProcessHandle::isAlive));
    }
}
