package io.adagio.cli;

import io.adagio.client.AdagioClient;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code adagio}: the command-line client of the Adagio control plane.
 *
 * <p>Exit codes: 0 success; 1 a failure talking to the server, or a run that did not succeed;
 * 2 a usage error (unknown command or flag, bad flag value). Errors are one line on stderr.
 */
@Command(
        name = "adagio",
        description = "Start, follow and inspect Adagio workflow runs.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            RunsCommand.class,
            StatsCommand.class,
            AgentsCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Flags may be written with one dash or two (-host or --host), and with a space or '=' before their value.",
            "Run 'adagio COMMAND -help' for more about a command."
        })
public final class Main extends CommandBase {
    static final String ENV_HOST = "ADAGIO_HOST";

    @Option(
            names = {"-host", "--host"},
            scope = ScopeType.INHERIT,
            paramLabel = "HOST:PORT",
            defaultValue = "${env:ADAGIO_HOST:-" + AdagioClient.DEFAULT_ADDRESS + "}",
            description = {
                "Address of adagiod.",
                "Default: $ADAGIO_HOST if set, else " + AdagioClient.DEFAULT_ADDRESS + "."
            })
    String host;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line and returns its exit code; output goes to {@code out} and {@code err}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        var main = new Main();
        var commandLine = new CommandLine(main)
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Errors::usage)
                .setExecutionExceptionHandler(Errors::failure);
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        throw missingCommand();
    }

    /** A client of the server named by -host (flag, then $ADAGIO_HOST, then the default). */
    AdagioClient client() {
        try {
            return AdagioClient.connect(host);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
