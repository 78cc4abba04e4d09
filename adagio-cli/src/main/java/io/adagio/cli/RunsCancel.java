package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.client.AdagioClientException;
import io.adagio.client.RunSummary;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code adagio runs cancel ID...}: cancels runs, one line per run, and exits 1 if any could not be. */
@Command(
        name = "cancel",
        description = {
            "Cancel runs: their nodes not yet started never run, and their running nodes are stopped",
            "(an exec program gets SIGTERM, then SIGKILL). Each run then completes as CANCELLED.",
            "Cancelling a run that has already completed changes nothing."
        },
        footer = {
            "",
            "Exit status: 0 when every run was cancelled or had already completed; 1 when a run is",
            "unknown or the server could not be reached; 2 for a usage error.",
            "",
            "Examples:",
            "  adagio runs cancel 01JXYZ...",
            "  adagio runs cancel -wait 01JXYZ... 01JXZZ..."
        })
final class RunsCancel extends CommandBase {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "The IDs of the runs to cancel.")
    List<String> ids;

    /** -wait: until each run has completed (its running nodes stopped); -timeout per run. */
    @Mixin
    WaitOptions wait;

    @Override
    public Integer call() throws Exception {
        Duration waitFor = wait.timeout();
        int failed = 0;
        try (AdagioClient client = root().client()) {
            for (String id : ids) {
                try {
                    Run run = client.cancel(id);
                    if (wait.await && run.status() != RunStatus.COMPLETED) {
                        run = client.awaitCompletion(id, waitFor);
                    }
                    out().println(describe(run));
                    out().flush();
                } catch (AdagioClientException e) {
                    if (e.code() == AdagioClientException.Code.UNAVAILABLE
                            || e.code() == AdagioClientException.Code.UNAUTHENTICATED) {
                        throw e; // the same for every other run: say it once
                    }
                    err().println("adagio: " + e.getMessage());
                    err().flush();
                    failed++;
                }
            }
        }
        return failed == 0 ? Errors.OK : Errors.FAILURE;
    }

    /** What the cancel did, as far as the run it answered with tells. */
    static String describe(Run run) {
        var summary = RunSummary.of(run);
        String name = "Run \"" + run.id() + "\"";
        if (run.status() != RunStatus.COMPLETED) {
            long running = run.nodes().stream()
                    .filter(n -> n.status() == NodeStatus.RUNNING)
                    .count();
            return name + " cancelling: waiting for " + Printers.plural((int) running, "running node") + " to stop";
        }
        return switch (summary.conclusion()) {
            case CANCELLED -> name + " cancelled";
            default -> name + " had already completed (" + summary.conclusion() + "): nothing to cancel";
        };
    }
}
