package io.adagio.agent.runtime;

/**
 * A node's argument is missing, malformed, unknown or unusable. The agent records an
 * {@code ERROR} attempt whose output is this message, which always names the argument.
 */
public final class ArgumentException extends RuntimeException {
    private final String runtime;
    private final String argument;

    public ArgumentException(String runtime, String argument, String problem) {
        super("argument \"" + argument + "\" of runtime \"" + runtime + "\": " + problem);
        this.runtime = runtime;
        this.argument = argument;
    }

    public String runtime() {
        return runtime;
    }

    public String argument() {
        return argument;
    }
}
