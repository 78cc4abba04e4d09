package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.adagio.testkit.AdagiodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adagio} as a process against a real {@code adagiod} process: every command and flag. */
class CliTest {
    private static final Pattern ULID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static CliProcess cli;
    static String host;

    @BeforeAll
    static void startDaemon() throws Exception {
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

    static String spec(String name) throws IOException {
        try (var in = CliTest.class.getResourceAsStream("/specs/" + name)) {
            assertThat(in).as("test spec %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path specFile(String name) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Files.writeString(file, spec(name));
        }
        return file;
    }

    /** Starts a run of a spec and waits for it with -wait; returns the run's ID. */
    static String completedRun(String specName) throws Exception {
        var started = cli.run(
                "-host",
                host,
                "runs",
                "start",
                "-q",
                "-wait",
                specFile(specName).toString());
        String id = started.out().lines().findFirst().orElseThrow();
        assertThat(id).as(started.toString()).matches(ULID);
        return id;
    }

    static void assertOneCleanErrorLine(CliProcess.Result r) {
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("adagio: ").doesNotContain("Exception", "\tat ", "at io.", "at java.");
    }

    @Nested
    class RunsStart {
        @Test
        void quietPrintsOnlyTheRunsUlid() throws Exception {
            var r = cli.run(
                    "-host", host, "runs", "start", "-q", specFile("seven.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).matches("[0-9A-HJKMNP-TV-Z]{26}\n");
            assertThat(r.err()).isEmpty();
        }

        @Test
        void printsTheRunStarted() throws Exception {
            var r = cli.run(
                    "-host", host, "runs", "start", specFile("seven.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).matches("Run started \"[0-9A-HJKMNP-TV-Z]{26}\"\n");
        }

        @Test
        void readsTheSpecFromStandardInputWithADash() throws Exception {
            var r = cli.runWithInput(spec("seven.json"), "-host", host, "runs", "start", "-q", "-");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out().strip()).matches(ULID);
        }

        @Test
        void readsTheSpecFromStandardInputWithoutAFile() throws Exception {
            var r = cli.runWithInput(spec("seven.json"), "-host", host, "runs", "start");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).startsWith("Run started \"");
        }

        @Test
        void waitExitsZeroWhenEveryNodeSucceeded() throws Exception {
            var r = cli.run(
                    "-host",
                    host,
                    "runs",
                    "start",
                    "-wait",
                    specFile("seven.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out())
                    .contains("node g: SUCCESS (attempt 1)")
                    .containsPattern("Run \"[0-9A-Z]{26}\" SUCCEEDED in .*: 7/7 nodes succeeded");
            assertThat(r.err()).isEmpty();
        }

        @Test
        void waitExitsNonZeroAndNamesTheFailedNodes() throws Exception {
            var r = cli.run(
                    "-host",
                    host,
                    "runs",
                    "start",
                    "--wait",
                    specFile("seven-failing.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            // Not a terminal: plain lines, one per event, no progress bar.
            assertThat(r.out())
                    .contains("node d: FAIL (attempt 1)", "node e: UNREACHED", "node g: UNREACHED")
                    .doesNotContain("[#", "\r");
            assertThat(r.out()).contains("FAILED").contains("node d (FAIL after 1 attempt) failed; unreached: e, g");
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("did not succeed", "node d");
        }

        @Test
        void quietWaitPrintsOnlyTheIdAndStillSetsTheExitCode() throws Exception {
            var r = cli.run(
                    "-host",
                    host,
                    "runs",
                    "start",
                    "-q",
                    "-wait",
                    specFile("seven-failing.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).matches("[0-9A-HJKMNP-TV-Z]{26}\n");
        }

        @Test
        void waitGivesUpAfterTheTimeout() throws Exception {
            var r = cli.run(
                    "-host",
                    host,
                    "runs",
                    "start",
                    "-wait",
                    "-timeout",
                    "200ms",
                    specFile("slow.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("did not complete within");
        }

        @Test
        void anInvalidSpecShowsTheServersMessageNamingTheMissingNode() throws Exception {
            var r = cli.run(
                    "-host", host, "runs", "start", specFile("dangling.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("\"missing-node\"", "invalid graph spec");
            assertThat(r.out()).isEmpty();
        }

        @Test
        void malformedJsonIsAClearError() throws Exception {
            var r = cli.run(
                    "-host", host, "runs", "start", specFile("malformed.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("cannot read the graph spec in").contains("malformed.json");
        }

        @Test
        void aMissingFileIsAClearError() throws Exception {
            var r = cli.run("-host", host, "runs", "start", "no-such-spec.json");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).isEqualTo("adagio: cannot read no-such-spec.json: no such file\n");
        }

        @Test
        void emptyInputIsAClearError() throws Exception {
            var r = cli.runWithInput("", "-host", host, "runs", "start", "-");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("adagio: no graph spec: standard input is empty\n");
        }
    }

    @Nested
    class RunsInspect {
        @Test
        void jsonIsTheRunAsProtobufJsonWithSnakeCaseNames() throws Exception {
            String id = completedRun("seven.json");
            var r = cli.run("-host", host, "runs", "inspect", id, "-printer", "json");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("\"created_at\"", "\"started_at\"", "\"status\": \"COMPLETED\"");
            var run = io.adagio.proto.Run.newBuilder();
            JsonFormat.parser().merge(r.out(), run);
            assertThat(run.getId()).isEqualTo(id);
            assertThat(run.getNodesCount()).isEqualTo(7);
            assertThat(run.getEdgesCount()).isEqualTo(8);
        }

        @Test
        void dotIsADigraphWithEveryEdgeAndNodesColouredByState() throws Exception {
            String id = completedRun("golden.json");
            var r = cli.run("-host", host, "runs", "inspect", "--printer=dot", id);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).startsWith("digraph \"" + id + "\" {");
            assertThat(Pattern.compile("\" -> \"").matcher(r.out()).results().count())
                    .isEqualTo(8);
            Golden.assertMatches("inspect-live.dot", Golden.normalise(r.out()));
        }

        @Test
        void prettyIsTheDefaultAndShowsTheFailingNode() throws Exception {
            String id = completedRun("seven-failing.json");
            var r = cli.run("-host", host, "runs", "inspect", id);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out())
                    .contains("Run:", id, "Conclusion:", "FAIL: node d (FAIL after 1 attempt) failed")
                    .containsPattern("(?m)^d +debug +COMPLETED +FAIL +1 ")
                    .containsPattern("(?m)^e +debug +COMPLETED +UNREACHED +0 ")
                    .contains("Attempts:")
                    .containsPattern("(?m)^d +1 +FAIL +\\+\\S+ +\\S+ +\\S+");
        }

        @Test
        void prettyMatchesTheGoldenFile() throws Exception {
            String id = completedRun("golden.json");
            var r = cli.run("-host", host, "runs", "inspect", "-printer", "pretty", id);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            // The agents' ids name this machine: the ones the run's attempts record become <AGENT>.
            var json = cli.run("-host", host, "runs", "inspect", "-printer", "json", id);
            var agents = Pattern.compile("\"(?:agent_id|agentId)\"\\s*:\\s*\"([^\"]+)\"")
                    .matcher(json.out())
                    .results()
                    .map(m -> m.group(1))
                    .distinct()
                    .toList();
            assertThat(agents).as(json.out()).isNotEmpty();
            String text = r.out();
            for (String agent : agents) {
                text = text.replace(agent, "<AGENT>");
            }
            Golden.assertMatches("inspect-live.txt", Golden.normalise(text));
        }

        @Test
        void anUnknownIdExitsNonZero() throws Exception {
            var r = cli.run("-host", host, "runs", "inspect", "01ARZ3NDEKTSV4RRFFQ69G5FAV");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV", "not found");
        }

        @Test
        void anUnknownPrinterIsAUsageError() throws Exception {
            var r = cli.run("-host", host, "runs", "inspect", "-printer", "yaml", "01ARZ3NDEKTSV4RRFFQ69G5FAV");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("yaml", "pretty, json, dot");
        }
    }

    @Nested
    class RunsLs {
        @Test
        void listsRunsNewestFirstInATable() throws Exception {
            String first = completedRun("seven.json");
            String second = completedRun("seven-failing.json");
            var r = cli.run("-host", host, "runs", "ls");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            var lines = r.out().lines().toList();
            assertThat(lines.getFirst()).matches("ID +CREATED +STATUS +CONCLUSION +NODES +DURATION");
            assertThat(r.out())
                    .containsPattern(second + " +\\S+ +COMPLETED +FAIL +7/7 ")
                    .containsPattern(first + " +\\S+ +COMPLETED +SUCCESS +7/7 ");
            assertThat(r.out().indexOf(second)).isLessThan(r.out().indexOf(first));
        }

        @Test
        void limitCapsTheCount() throws Exception {
            completedRun("seven.json");
            String newest = completedRun("seven.json");
            var r = cli.run("-host", host, "runs", "ls", "-limit=1");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out().lines()).hasSize(2);
            assertThat(r.out()).contains(newest);
        }

        @Test
        void timeWindowFlagsSelectByCreationTime() throws Exception {
            String id = completedRun("seven.json");

            var recent = cli.run("-host", host, "runs", "ls", "-since", "10m");
            assertThat(recent.out()).as(recent.toString()).contains(id);

            var old = cli.run("-host", host, "runs", "ls", "--until", "2000-01-01T00:00:00Z");
            assertThat(old.exitCode()).as(old.toString()).isZero();
            assertThat(old.out()).isEmpty();
            assertThat(old.err()).isEqualTo("No runs found.\n");

            var future = cli.run("-host", host, "runs", "ls", "-since", "2999-01-01", "-until", "2999-12-31");
            assertThat(future.out()).isEmpty();
        }

        @Test
        void aBadTimeIsAUsageError() throws Exception {
            var r = cli.run("-host", host, "runs", "ls", "-since", "yesterday");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("-since", "yesterday");
        }

        @Test
        void jsonOutputIsTheListOfRuns() throws Exception {
            String id = completedRun("seven.json");
            var r = cli.run("-host", host, "runs", "ls", "-o", "json");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            var list = io.adagio.proto.controlplane.ListRunsResponse.newBuilder();
            JsonFormat.parser().merge(r.out(), list);
            assertThat(list.getRunsList())
                    .anySatisfy(run -> assertThat(run.getId()).isEqualTo(id));
        }
    }

    @Nested
    class RunsRm {
        @Test
        void deletesCompletedRunsAndSaysSo() throws Exception {
            String first = completedRun("seven.json");
            String second = completedRun("seven-failing.json");
            var r = cli.run("-host", host, "runs", "rm", first, second);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("Deleted run \"" + first + "\"\nDeleted run \"" + second + "\"\n");
            for (var id : new String[] {first, second}) {
                var gone = cli.run("-host", host, "runs", "inspect", id);
                assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(1);
                assertThat(gone.err()).contains("not found");
            }
        }

        @Test
        void aRunStillRunningIsRefusedAndTheOthersAreStillDeleted() throws Exception {
            var started = cli.run(
                    "-host", host, "runs", "start", "-q", specFile("long.json").toString());
            String running = started.out().strip();
            assertThat(running).as(started.toString()).matches(ULID);
            String done = completedRun("seven.json");

            var r = cli.run("-host", host, "runs", "delete", "-q", running, done);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains(running, "only a completed run can be deleted");
            assertThat(cli.run("-host", host, "runs", "inspect", running).exitCode())
                    .isZero();
            assertThat(cli.run("-host", host, "runs", "inspect", done).exitCode())
                    .isEqualTo(1);
        }

        @Test
        void anUnknownIdExitsNonZero() throws Exception {
            var r = cli.run("-host", host, "runs", "rm", "01ARZ3NDEKTSV4RRFFQ69G5FAV");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV", "not found");
        }

        @Test
        void anIdIsRequired() throws Exception {
            var r = cli.run("-host", host, "runs", "rm");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("ID");
        }
    }

    @Nested
    class StatsAndAgents {
        @Test
        void statsShowsRunsAndNodeCountsPerStatus() throws Exception {
            completedRun("seven.json");
            var r = cli.run("-host", host, "stats");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out())
                    .containsPattern("(?m)^Runs: +[1-9]\\d*$")
                    .containsPattern("(?m)^ +completed +([7-9]|\\d\\d+)$")
                    .contains("waiting", "ready", "running", "orphaned");
        }

        @Test
        void statsAsJson() throws Exception {
            completedRun("seven.json");
            var r = cli.run("-host", host, "stats", "-o", "json");

            var stats = io.adagio.proto.Stats.newBuilder();
            JsonFormat.parser().merge(r.out(), stats);
            assertThat(stats.getRunCount()).isPositive();
        }

        @Test
        void agentsLsShowsTheAgentAndItsRuntimes() throws Exception {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                var r = cli.run("-host", host, "agents", "ls");
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.out()).startsWith("ID").containsPattern("(?m)^\\S+ +debug,exec$");
            });
        }
    }

    @Nested
    class HostAndErrors {
        @Test
        void adagioHostIsHonoured() throws Exception {
            var r = cli.run(Map.of("ADAGIO_HOST", host), null, "agents", "ls");
            assertThat(r.exitCode()).as(r.toString()).isZero();

            int nothing = AdagiodProcess.freePort();
            var unreachable = cli.run(Map.of("ADAGIO_HOST", "127.0.0.1:" + nothing), null, "stats");
            assertThat(unreachable.exitCode()).isEqualTo(1);
            assertThat(unreachable.err()).contains("127.0.0.1:" + nothing);
        }

        @Test
        void theHostFlagBeatsTheEnvironmentAndWorksAfterTheCommandToo() throws Exception {
            int nothing = AdagiodProcess.freePort();
            var r = cli.run(Map.of("ADAGIO_HOST", "127.0.0.1:" + nothing), null, "stats", "--host=" + host);

            assertThat(r.exitCode()).as(r.toString()).isZero();
        }

        @Test
        void anUnreachableServerExitsOneNamingTheAddress() throws Exception {
            int nothing = AdagiodProcess.freePort();
            var r = cli.run("-host", "127.0.0.1:" + nothing, "runs", "ls");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertOneCleanErrorLine(r);
            assertThat(r.err())
                    .isEqualTo("adagio: cannot reach adagiod at 127.0.0.1:" + nothing + ": connection refused\n");
        }

        @Test
        void theDefaultAddressIsLocalhost7890() throws Exception {
            var r = cli.run("-help");
            assertThat(r.out()).contains("localhost:7890");
        }

        @Test
        void aBadHostIsAUsageError() throws Exception {
            var r = cli.run("-host", "nowhere:port", "stats");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("nowhere:port");
        }

        @Test
        void anUnknownCommandExitsTwo() throws Exception {
            var r = cli.run("-host", host, "frobnicate");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .startsWith("adagio: unknown command \"frobnicate\"")
                    .contains("-help");
            assertThat(r.out()).isEmpty();
        }

        @Test
        void anUnknownSubcommandOrFlagExitsTwo() throws Exception {
            assertThat(cli.run("runs", "frobnicate").exitCode()).isEqualTo(2);
            var flag = cli.run("runs", "ls", "-frobnicate");
            assertThat(flag.exitCode()).isEqualTo(2);
            assertThat(flag.err()).startsWith("adagio: unknown flag -frobnicate for 'adagio runs ls'");
        }

        @Test
        void aGroupWithoutItsCommandIsAUsageError() throws Exception {
            var r = cli.run("runs");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("missing command", "ls", "start", "inspect");
        }
    }

    @Nested
    class Help {
        @Test
        void runsHelpListsStartAndInspect() throws Exception {
            for (var args : new String[][] {
                {"runs", "--help"}, {"runs", "-help"}, {"runs", "-h"}, {"help", "runs"}, {"runs", "help"}
            }) {
                var r = cli.run(args);
                assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r).isZero();
                assertThat(r.out()).contains("ls", "start", "inspect");
            }
        }

        @Test
        void everyCommandHasHelp() throws Exception {
            for (var args : new String[][] {
                {"-help"},
                {"help"},
                {"runs", "start", "-help"},
                {"runs", "help", "start"},
                {"runs", "inspect", "--help"},
                {"runs", "ls", "-h"},
                {"stats", "-help"},
                {"agents", "-help"},
                {"agents", "ls", "-help"},
                {"completion", "-help"}
            }) {
                var r = cli.run(args);
                assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r).isZero();
                assertThat(r.out()).as(String.join(" ", args)).contains("Usage: adagio");
            }
            assertThat(cli.run("runs", "start", "-help").out()).contains("-wait", "-q", "FILE");
            assertThat(cli.run("runs", "inspect", "-help").out()).contains("pretty, json, dot");
            assertThat(cli.run("runs", "ls", "-help").out()).contains("-limit", "-since", "-until", "-o");
        }

        @Test
        void completionPrintsABashScript() throws Exception {
            var r = cli.run("completion");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("complete -F", "adagio", "inspect");
        }
    }
}
