package io.adagio.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

@Command(
        name = "completion",
        description = "Print a bash (and zsh) completion script for adagio.",
        footer = {
            "",
            "Load it in the current shell:  source <(adagio completion)",
            "Or install it:  adagio completion > /etc/bash_completion.d/adagio"
        })
final class CompletionCommand extends CommandBase {
    @Override
    public Integer call() {
        out().print(AutoComplete.bash("adagio", root().spec.commandLine()));
        out().flush();
        return Errors.OK;
    }
}
