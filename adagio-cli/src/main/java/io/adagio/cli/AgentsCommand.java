package io.adagio.cli;

import io.adagio.client.AdagioClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "agents",
        description = "Show the live agents.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {AgentsCommand.Ls.class, CommandLine.HelpCommand.class})
final class AgentsCommand extends CommandBase {

    @Override
    public Integer call() {
        throw missingCommand();
    }

    @Command(name = "ls", aliases = "list", description = "List the live agents and the runtimes each executes.")
    static final class Ls extends CommandBase {
        @Option(
                names = {"-o", "-output", "--output"},
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        RunsCommand.Output output;

        @Override
        public Integer call() {
            try (AdagioClient client = root().client()) {
                var agents = client.agents();
                if (output == RunsCommand.Output.json) {
                    out().println(JsonPrinters.agentsJson(agents));
                } else {
                    Printers.agents(agents, out(), err());
                }
                return Errors.OK;
            }
        }
    }
}
