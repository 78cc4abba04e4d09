package io.adagio.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code -wait} and {@code -timeout}, the same on every command that can follow runs to their end. */
final class WaitOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = {"-wait", "--wait", "-w"},
            description = "Follow the run (its watch stream) until it has completed.")
    boolean await;

    @Option(
            names = {"-timeout", "--timeout"},
            paramLabel = "DURATION",
            defaultValue = "0s",
            description = "With -wait: give up after DURATION (exit 1); 0s waits for ever.")
    String timeout;

    /** How long to wait for one run; a usage error (exit 2) when -timeout is not a duration. */
    Duration timeout() {
        try {
            return Times.parseDuration(timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    mixee.commandLine(), "invalid value for -timeout: " + e.getMessage());
        }
    }
}
