package io.adagio.client.workflow;

import java.util.List;
import java.util.Map;

/**
 * What a node does: the runtime that executes it and the arguments it gets. The builder writes each
 * argument to the node's metadata as {@code adagio.arguments.<runtime>.<argument>}.
 *
 * <p>{@link Debug} and {@link Exec} are the typed calls of the built-in runtimes. For a runtime
 * built with the agent's runtime SPI, use {@link #of(String)} and {@link Generic#arg}, or write a
 * small typed class of your own that implements this interface.
 */
public interface RuntimeCall {

    /** The runtime's name, as agents advertise it (for example {@code exec}). */
    String runtime();

    /** Argument name to its values, in the order to write them. */
    Map<String, List<String>> arguments();

    /** A call of {@code runtime} with no arguments yet; add them with {@link Generic#arg}. */
    static Generic of(String runtime) {
        return new Generic(runtime, Map.of());
    }

    /** A call of {@code runtime} with these arguments. */
    static Generic of(String runtime, Map<String, List<String>> arguments) {
        return new Generic(runtime, arguments);
    }

    /** A call of any runtime, by name, with arguments given as strings. Immutable. */
    record Generic(String runtime, Map<String, List<String>> arguments) implements RuntimeCall {
        public Generic {
            if (runtime == null || runtime.isBlank()) {
                throw new IllegalArgumentException("a runtime call needs a runtime name");
            }
            arguments = Arguments.copyOf(arguments);
        }

        /** This call with argument {@code name} set to {@code values} (replacing any earlier values). */
        public Generic arg(String name, String... values) {
            return new Generic(runtime, Arguments.with(arguments, name, List.of(values)));
        }

        /** This call with argument {@code name} set to {@code values} (replacing any earlier values). */
        public Generic arg(String name, List<String> values) {
            return new Generic(runtime, Arguments.with(arguments, name, values));
        }
    }
}
