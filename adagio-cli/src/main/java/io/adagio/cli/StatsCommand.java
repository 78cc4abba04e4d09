package io.adagio.cli;

import io.adagio.client.AdagioClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "stats",
        description = "Show the number of runs and of nodes in each status, and how full the store is (etcd).")
final class StatsCommand extends CommandBase {
    @Option(
            names = {"-o", "-output", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    RunsCommand.Output output;

    @Override
    public Integer call() {
        try (AdagioClient client = root().client()) {
            var stats = client.stats();
            if (output == RunsCommand.Output.json) {
                out().println(JsonPrinters.statsJson(stats));
            } else {
                Printers.stats(stats, client.storage().orElse(null), out());
            }
            return Errors.OK;
        }
    }
}
