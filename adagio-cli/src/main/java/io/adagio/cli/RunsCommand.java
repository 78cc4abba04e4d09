package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.client.AdagioClientException;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Run;
import io.adagio.core.repository.RepositoryException;
import io.adagio.wire.GraphSpecJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "runs",
        description = "Start, list, inspect, watch, cancel, rerun and delete workflow runs.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            RunsCommand.Ls.class,
            RunsCommand.Start.class,
            RunsCommand.Inspect.class,
            RunsCommand.Rm.class,
            WatchCommand.class,
            RunsCancel.class,
            RunsRerun.class,
            CommandLine.HelpCommand.class
        })
final class RunsCommand extends CommandBase {

    @Override
    public Integer call() {
        throw missingCommand();
    }

    /** Output formats of the listing commands. */
    enum Output {
        table,
        json
    }

    @Command(
            name = "ls",
            aliases = "list",
            description = "List runs, newest first.",
            footer = {
                "",
                "Times are RFC 3339 (2025-06-01T12:00:00Z), a date (2025-06-01), or a duration ago (90s, 15m, 1h30m, 2d).",
                "Example: adagio runs ls -since 1h -limit 10"
            })
    static final class Ls extends CommandBase {
        @Option(
                names = {"-limit", "--limit"},
                paramLabel = "N",
                defaultValue = "0",
                description = "Show at most N runs (0: all).")
        long limit;

        @Option(
                names = {"-since", "--since", "-finish", "--finish"},
                paramLabel = "TIME",
                description = "Only runs created at or after TIME (ListRuns finish_ns).")
        String since;

        @Option(
                names = {"-until", "--until", "-start", "--start"},
                paramLabel = "TIME",
                description = "Only runs created at or before TIME (ListRuns start_ns).")
        String until;

        @Option(
                names = {"-o", "-output", "--output"},
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        Output output;

        @Override
        public Integer call() throws Exception {
            if (limit < 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "-limit must not be negative, got " + limit);
            }
            Instant now = Instant.now();
            Instant from = time("-since", since, now);
            Instant to = time("-until", until, now);
            try (AdagioClient client = root().client()) {
                var runs = client.listRuns(from, to, limit);
                if (output == Output.json) {
                    out().println(JsonPrinters.runsJson(runs));
                    return Errors.OK;
                }
                Printers.runs(runs, now, out(), err());
                return Errors.OK;
            }
        }

        private Instant time(String flag, String value, Instant now) {
            if (value == null) {
                return null;
            }
            try {
                return Times.parseInstant(value, now);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "invalid value for " + flag + ": " + e.getMessage());
            }
        }
    }

    @Command(
            name = "start",
            description = "Start a run of a graph spec read from FILE, or from standard input.",
            footer = {
                "",
                "Examples:",
                "  adagio runs start workflow.json",
                "  id=$(adagio runs start -q workflow.json)",
                "  cat workflow.json | adagio runs start -wait -",
                "",
                "Exit status with -wait: 0 when the run succeeded; 1 when it did not, or -timeout passed."
            })
    static final class Start extends CommandBase {
        @Parameters(
                arity = "0..1",
                paramLabel = "FILE|-",
                description = "The graph spec as JSON; '-' or none reads standard input.")
        String file;

        @Option(
                names = {"-q", "-quiet", "--quiet"},
                description = "Print only the run's ID.")
        boolean quiet;

        @Mixin
        WaitOptions wait;

        @Override
        public Integer call() throws Exception {
            Duration waitFor = wait.timeout();
            GraphSpec graph = readSpec();
            try (AdagioClient client = root().client()) {
                Run run = client.start(graph);
                if (quiet) {
                    out().println(run.id());
                } else {
                    out().println("Run started \"" + run.id() + "\"");
                }
                out().flush();
                if (!wait.await) {
                    return Errors.OK;
                }
                return RunEnd.follow(client, run, waitFor, quiet ? Progress.silent() : Progress.forConsole(out()));
            }
        }

        private GraphSpec readSpec() {
            String source = file == null || file.equals("-") ? "standard input" : file;
            if ((file == null || file.equals("-")) && Terminal.isInteractive()) {
                // Someone at a terminal who forgot the file would otherwise see nothing happen.
                err().println("Reading the graph spec from standard input (end with Ctrl-D)...");
                err().flush();
            }
            String json;
            try {
                json = file == null || file.equals("-")
                        ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new Errors.Failure("cannot read " + source + ": no such file");
            } catch (IOException e) {
                throw new Errors.Failure("cannot read " + source + ": " + e.getMessage());
            }
            if (json.isBlank()) {
                throw new Errors.Failure("no graph spec: " + source + " is empty");
            }
            try {
                return GraphSpecJson.parse(json);
            } catch (RepositoryException.InvalidSpec e) {
                // The parser's message names the place in the text; its exception class names mean nothing to users.
                throw new Errors.Failure("cannot read the graph spec in " + source + ": "
                        + e.getMessage()
                                .replaceFirst("^invalid graph spec: ", "")
                                .replaceAll("(?:[a-z]\\w*\\.)+[A-Z]\\w*(?:Exception|Error): ", ""));
            }
        }
    }

    /** How inspect prints a run. */
    enum Printer {
        pretty,
        json,
        dot
    }

    @Command(
            name = "inspect",
            aliases = "get",
            description = "Show a run: its nodes, attempts and outputs.",
            footer = {
                "",
                "Examples:",
                "  adagio runs inspect 01JXYZ...",
                "  adagio runs inspect -printer dot 01JXYZ... | dot -Tsvg > run.svg"
            })
    static final class Inspect extends CommandBase {
        @Parameters(paramLabel = "ID", description = "The run's ID.")
        String id;

        @Option(
                names = {"-printer", "--printer", "-p"},
                paramLabel = "PRINTER",
                defaultValue = "pretty",
                description = "How to print the run: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        Printer printer;

        @Override
        public Integer call() {
            try (AdagioClient client = root().client()) {
                Run run = client.inspect(id);
                switch (printer) {
                    case pretty -> Printers.pretty(run, Instant.now(), out());
                    case json -> out().println(JsonPrinters.runJson(run));
                    case dot -> out().print(Printers.dot(run));
                }
                return Errors.OK;
            }
        }
    }

    @Command(
            name = "rm",
            aliases = "delete",
            description = "Delete completed runs and everything stored of them.",
            footer = {
                "",
                "Only a completed run can be deleted; one still waiting or running is refused (exit 1).",
                "Examples:",
                "  adagio runs rm 01JXYZ...",
                "  adagio runs ls -until 30d -o json | jq -r '.runs[].id' | xargs adagio runs rm"
            })
    static final class Rm extends CommandBase {
        @Parameters(arity = "1..*", paramLabel = "ID", description = "The runs' IDs.")
        List<String> ids;

        @Option(
                names = {"-q", "-quiet", "--quiet"},
                description = "Print nothing for the runs deleted.")
        boolean quiet;

        @Override
        public Integer call() {
            int refused = 0;
            try (AdagioClient client = root().client()) {
                for (var id : ids) {
                    try {
                        client.delete(id);
                        if (!quiet) {
                            out().println("Deleted run \"" + id + "\"");
                        }
                    } catch (AdagioClientException e) {
                        if (e.code() != AdagioClientException.Code.NOT_FOUND
                                && e.code() != AdagioClientException.Code.INVALID_ARGUMENT
                                && e.code() != AdagioClientException.Code.FAILED_PRECONDITION) {
                            throw e; // the server, not this run: the others would fail alike
                        }
                        err().println("adagio: " + e.getMessage());
                        refused++;
                    }
                    out().flush();
                }
            }
            return refused == 0 ? Errors.OK : Errors.FAILURE;
        }
    }
}
