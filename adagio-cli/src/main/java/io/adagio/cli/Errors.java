package io.adagio.cli;

import io.adagio.client.AdagioClientException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** Turns every error into one clear line on stderr and the right exit code. No stack traces. */
final class Errors {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private Errors() {}

    /** A failure to report as it is (exit 1): the message is already written for the user. */
    static final class Failure extends RuntimeException {
        final int exitCode;

        Failure(String message) {
            this(message, FAILURE);
        }

        Failure(String message, int exitCode) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** Unknown command or flag, missing or bad value: exit 2, with a pointer to the help. */
    static int usage(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        var err = cl.getErr();
        err.println("adagio: " + usageMessage(e));
        if (e instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                err.println("Did you mean: " + String.join(", ", suggestions) + "?");
            }
        }
        err.println("Run '" + cl.getCommandSpec().qualifiedName() + " -help' for usage.");
        err.flush();
        return USAGE;
    }

    private static String usageMessage(ParameterException e) {
        CommandLine cl = e.getCommandLine();
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().getFirst();
            if (first.startsWith("-") && first.length() > 1) {
                return "unknown flag " + first.replaceFirst("=.*", "") + " for '"
                        + cl.getCommandSpec().qualifiedName() + "'";
            }
            if (!cl.getSubcommands().isEmpty()) {
                return "unknown command \"" + first + "\" for '"
                        + cl.getCommandSpec().qualifiedName() + "'";
            }
            return "unexpected argument \"" + first + "\" for '"
                    + cl.getCommandSpec().qualifiedName() + "'";
        }
        String message = e.getMessage();
        return message == null ? "invalid command line" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** How to fix a refused call, when the server's message does not say already. */
    private static String hint(AdagioClientException e) {
        if (e.code() != AdagioClientException.Code.UNAUTHENTICATED) {
            return "";
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("ADAGIO_TOKEN") || message.contains("-cert-file")) {
            return "";
        }
        return " (pass the token in $ADAGIO_TOKEN or with -token-file FILE)";
    }

    /** A command that failed while running: exit 1 (or the failure's own code). */
    static int failure(Exception e, CommandLine cl, ParseResult parsed) {
        var err = cl.getErr();
        int code = switch (e) {
            case Failure f -> {
                err.println("adagio: " + f.getMessage());
                yield f.exitCode;
            }
            case AdagioClientException c -> {
                err.println("adagio: " + c.getMessage() + hint(c));
                yield FAILURE;
            }
            case ParameterException p -> {
                // Raised while running, for example a bad -host value: still a usage error.
                err.println("adagio: " + usageMessage(p));
                yield USAGE;
            }
            case InterruptedException i -> {
                err.println("adagio: interrupted");
                yield FAILURE;
            }
            default -> {
                err.println("adagio: unexpected error: " + e);
                if (System.getenv("ADAGIO_DEBUG") != null) {
                    e.printStackTrace(err);
                }
                yield FAILURE;
            }
        };
        err.flush();
        return code;
    }
}
