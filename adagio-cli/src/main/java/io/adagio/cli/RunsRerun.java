package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.client.RunSummary;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.time.Duration;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code adagio runs rerun ID}: runs a completed run's failed, cancelled and unreached nodes again,
 * and with {@code -wait} follows it like {@code runs start -wait} and exits by its conclusion.
 */
@Command(
        name = "rerun",
        description = {
            "Run a completed run again from where it failed: its failed, errored, cancelled and",
            "unreached nodes start over; its successful nodes keep their attempts and outputs.",
            "The run keeps its ID. A run that has not completed cannot be rerun."
        },
        footer = {
            "",
            "Exit status: 0 when the rerun started (with -wait: when the run then succeeded);",
            "1 when the run is unknown or not completed, the server could not be reached, or",
            "(with -wait) the run did not succeed; 2 for a usage error.",
            "",
            "Examples:",
            "  adagio runs rerun 01JXYZ...",
            "  adagio runs rerun -wait 01JXYZ... && echo fixed"
        })
final class RunsRerun extends CommandBase {
    @Parameters(paramLabel = "ID", description = "The ID of the run to rerun.")
    String id;

    @Option(
            names = {"-q", "-quiet", "--quiet"},
            description = "Print only the run's ID.")
    boolean quiet;

    @Mixin
    WaitOptions wait;

    @Override
    public Integer call() throws Exception {
        Duration waitFor = wait.timeout();
        try (AdagioClient client = root().client()) {
            Run run = client.rerun(id);
            out().println(quiet ? run.id() : describe(run));
            out().flush();
            if (!wait.await) {
                return Errors.OK;
            }
            var progress = quiet ? Progress.silent() : Progress.forConsole(out());
            // Attempts made before the rerun are history, not news.
            progress.baseline(run);
            return RunEnd.follow(client, run, waitFor, progress);
        }
    }

    /** "Run "X" rerunning d, e, g" — or why nothing runs again. */
    static String describe(Run run) {
        String again = run.nodes().stream()
                .filter(n -> n.status() != NodeStatus.COMPLETED)
                .map(Node::name)
                .collect(Collectors.joining(", "));
        String name = "Run \"" + run.id() + "\"";
        if (!again.isEmpty()) {
            return name + " rerunning " + again;
        }
        return run.status() == RunStatus.COMPLETED
                ? name + " has nothing to rerun (" + RunSummary.of(run).conclusion() + ")"
                : name + " rerunning";
    }
}
