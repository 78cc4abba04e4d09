package io.adagio.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every command shares: -help in all its spellings, and a way to the root's settings. */
abstract class CommandBase implements Callable<Integer> {
    @Option(
            names = {"-h", "-help", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    Main root() {
        CommandLine cl = spec.commandLine();
        while (cl.getParent() != null) {
            cl = cl.getParent();
        }
        return (Main) cl.getCommand();
    }

    java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** For a command that only groups others: called alone, it is a usage error listing them. */
    CommandLine.ParameterException missingCommand() {
        var names = String.join(
                ", ",
                spec.subcommands().keySet().stream()
                        .filter(n -> !n.equals("help"))
                        .toList());
        return new CommandLine.ParameterException(
                spec.commandLine(), "missing command: '" + spec.qualifiedName() + "' needs one of: " + names);
    }
}
