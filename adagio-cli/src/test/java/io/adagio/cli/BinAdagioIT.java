package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher a user runs, {@code bin/adagio}, on the packaged CLI (target/adagio-cli.jar and
 * target/lib), against a real adagiod. Runs after {@code package}, as a Failsafe integration test.
 */
class BinAdagioIT {
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path LAUNCHER = MODULE.resolveSibling("bin").resolve("adagio");

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = AdagiodProcess.startListening(dir);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    static CliProcess.Result adagio(String... args) throws Exception {
        return adagio(false, args);
    }

    /** @param aot whether bin/adagio may record its ahead-of-time cache in the background (JDK 25) */
    static CliProcess.Result adagio(boolean aot, String... args) throws Exception {
        var command = new ArrayList<String>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        var builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().remove("ADAGIO_HOST");
        // Only the test of the cache lets bin/adagio record it, and waits for that to end.
        builder.environment().put("ADAGIO_CLI_AOT", aot ? "1" : "0");
        var process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as("bin/adagio exits")
                .isTrue();
        return new CliProcess.Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void startsARunAndPrintsNothingButItsIdOnStdout() throws Exception {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, CliTest.spec("seven.json"));

        var started = adagio("-host", daemon.address(), "runs", "start", "-q", "-wait", spec.toString());

        // No JVM warning may reach stdout or stderr: scripts read both.
        assertThat(started.exitCode()).as(started.toString()).isZero();
        assertThat(started.out()).matches("[0-9A-HJKMNP-TV-Z]{26}\n");
        assertThat(started.err()).isEmpty();
    }

    @Test
    void listsRunsWithTheClassDataSharingArchiveInPlace() throws Exception {
        var first = adagio("-host", daemon.address(), "runs", "ls");
        var second = adagio("-host", daemon.address(), "runs", "ls");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.err()).isIn("", "No runs found.\n");
        assertThat(MODULE.resolve("target").resolve("adagio-cli.jsa")).exists();
    }

    @Test
    void aListingRecordsTheAheadOfTimeCacheInTheBackgroundAndLaterCallsUseIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Runtime.version().feature() >= 25, "the ahead-of-time cache needs JDK 25");
        var target = MODULE.resolve("target");
        Files.deleteIfExists(target.resolve("adagio-cli.aot"));

        var first = adagio(true, "-host", daemon.address(), "runs", "ls");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofMinutes(3))
                .until(() -> !Files.exists(target.resolve("adagio-cli.aot.lock")));
        assertThat(target.resolve("adagio-cli.aot")).isNotEmptyFile();

        var second = adagio(true, "-host", daemon.address(), "runs", "ls");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.err()).isIn("", "No runs found.\n");
    }

    /** A successful command ends the JVM at once (Main): every byte it printed must be out by then. */
    @Test
    void aCommandThatSucceedsHasPrintedAllOfItsOutputWhenItExits() throws Exception {
        Path spec = dir.resolve("whole.json");
        Files.writeString(spec, CliTest.spec("seven.json"));
        var ids = new ArrayList<String>();
        for (int i = 0; i < 40; i++) {
            var started = adagio("-host", daemon.address(), "runs", "start", "-q", "-wait", spec.toString());
            assertThat(started.exitCode()).as(started.toString()).isZero();
            ids.add(started.out().strip());
        }

        var listed = adagio("-host", daemon.address(), "runs", "ls"); // the lean path
        var json = adagio("-host", daemon.address(), "runs", "inspect", "-printer", "json", ids.getLast()); // gRPC

        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out().lines().skip(1).map(line -> line.split(" ")[0]))
                .as("one line per run, the last one whole")
                .containsAll(ids);
        assertThat(listed.out()).endsWith("\n");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        var run = (java.util.Map<?, ?>) JsonReader.parse(json.out());
        assertThat((List<?>) run.get("nodes")).as("the whole run as JSON").hasSize(7);
    }

    @Test
    void usageErrorsAndUnreachableServersKeepTheirExitCodes() throws Exception {
        assertThat(adagio("frobnicate").exitCode()).isEqualTo(2);

        int nothing = AdagiodProcess.freePort();
        var unreachable = adagio("-host", "127.0.0.1:" + nothing, "stats");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.err())
                .isEqualTo("adagio: cannot reach adagiod at 127.0.0.1:" + nothing + ": connection refused\n");
    }
}
