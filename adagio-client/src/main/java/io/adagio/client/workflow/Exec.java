package io.adagio.client.workflow;

import java.util.List;
import java.util.Map;

/**
 * A call of the built-in {@code exec} runtime: runs a program directly (no shell) and records its
 * output. Exit 0 succeeds, any other exit code fails. Immutable: each method returns a new call.
 *
 * <pre>{@code
 * Exec.command("echo").args("hello", "world")
 * }</pre>
 */
public record Exec(Map<String, List<String>> arguments) implements RuntimeCall {
    public static final String RUNTIME = "exec";

    public Exec {
        arguments = Arguments.copyOf(arguments);
        if (!arguments.containsKey("command")
                || arguments.get("command").isEmpty()
                || arguments.get("command").getFirst().isBlank()) {
            throw new IllegalArgumentException("an exec call needs a command");
        }
    }

    /** Runs {@code command} (a program name looked up on the agent's PATH, or a path). */
    public static Exec command(String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("an exec call needs a command");
        }
        return new Exec(Map.of("command", List.of(command)));
    }

    @Override
    public String runtime() {
        return RUNTIME;
    }

    /** This call with these program arguments (replacing any given before). */
    public Exec args(String... args) {
        return args(List.of(args));
    }

    public Exec args(List<String> args) {
        return new Exec(
                args.isEmpty() ? Arguments.without(arguments, "args") : Arguments.with(arguments, "args", args));
    }

    /**
     * This call with these environment variables for the program (replacing any given before), as
     * {@code NAME=VALUE} values of {@code adagio.arguments.exec.env}. The program gets no other
     * variable of the agent's beyond PATH, HOME, LANG, TZ, TMPDIR and those the operator allows;
     * names starting with {@code ADAGIOD_} are refused by the agent.
     */
    public Exec env(Map<String, String> variables) {
        var entries = variables.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .sorted()
                .toList();
        return new Exec(
                entries.isEmpty() ? Arguments.without(arguments, "env") : Arguments.with(arguments, "env", entries));
    }
}
