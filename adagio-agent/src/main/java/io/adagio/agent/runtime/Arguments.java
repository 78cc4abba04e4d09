package io.adagio.agent.runtime;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The values of a runtime's declared arguments for one node, read from the node's metadata and
 * inputs by {@link #parse}. Where a value comes from, first match wins:
 * <ol>
 *   <li>{@code adagio.inputs.<runtime>.<name> = ["<upstream node>"]}: that node's output as text;</li>
 *   <li>{@code adagio.arguments.<runtime>.<name>};</li>
 *   <li>{@code adagio.runtime.<runtime>.<name>} (the original project's spelling);</li>
 *   <li>the argument's default.</li>
 * </ol>
 */
public final class Arguments {
    public static final String ARGUMENTS_PREFIX = "adagio.arguments.";
    public static final String LEGACY_PREFIX = "adagio.runtime.";
    public static final String INPUTS_PREFIX = "adagio.inputs.";

    private final String runtime;
    private final Map<String, Argument<?>> declared;
    private final Map<String, Object> values;

    private Arguments(String runtime, Map<String, Argument<?>> declared, Map<String, Object> values) {
        this.runtime = runtime;
        this.declared = declared;
        this.values = values;
    }

    /** Reads {@code runtime}'s arguments for {@code node}. */
    public static Arguments parse(Runtime runtime, Node node) {
        return parse(runtime.name(), runtime.arguments(), node.spec(), node.inputs());
    }

    /**
     * Reads the declared arguments of runtime {@code runtime} from a node's spec and inputs.
     *
     * @throws ArgumentException for the first argument that is missing, malformed or unknown
     */
    public static Arguments parse(
            String runtime, List<Argument<?>> arguments, NodeSpec spec, Map<String, byte[]> inputs) {
        var declared = new LinkedHashMap<String, Argument<?>>();
        for (var a : arguments) {
            if (declared.put(a.name(), a) != null) {
                throw new IllegalStateException(
                        "runtime \"" + runtime + "\" declares argument \"" + a.name() + "\" twice");
            }
        }
        rejectUnknown(runtime, declared, spec.metadata());
        var values = new LinkedHashMap<String, Object>();
        for (var a : declared.values()) {
            var given = given(runtime, a, spec.metadata(), inputs);
            if (given.isEmpty()) {
                if (a.isRequired()) {
                    throw new ArgumentException(
                            runtime, a.name(), "required but not given (set metadata " + a.metadataKey(runtime) + ")");
                }
                continue;
            }
            try {
                values.put(a.name(), a.parse(given.get().values()));
            } catch (IllegalArgumentException e) {
                throw new ArgumentException(
                        runtime, a.name(), e.getMessage() + given.get().from());
            }
        }
        return new Arguments(runtime, Collections.unmodifiableMap(declared), Collections.unmodifiableMap(values));
    }

    private record Given(List<String> values, String from) {}

    private static Optional<Given> given(
            String runtime, Argument<?> a, Map<String, List<String>> metadata, Map<String, byte[]> inputs) {
        var source = metadata.get(a.inputKey(runtime));
        if (source != null) {
            if (source.size() != 1) {
                throw new ArgumentException(
                        runtime, a.name(), a.inputKey(runtime) + " must name exactly one upstream node, got " + source);
            }
            var upstream = source.getFirst();
            var output = inputs.get(upstream);
            if (output == null) {
                throw new ArgumentException(
                        runtime,
                        a.name(),
                        "takes its value from node \"" + upstream
                                + "\", which is not an upstream node of this one (no input from it)");
            }
            return Optional.of(new Given(
                    List.of(new String(output, StandardCharsets.UTF_8)),
                    " (from the output of node \"" + upstream + "\")"));
        }
        var values = metadata.get(a.metadataKey(runtime));
        if (values != null) {
            return Optional.of(new Given(values, ""));
        }
        values = metadata.get(a.legacyMetadataKey(runtime));
        if (values != null) {
            return Optional.of(new Given(values, ""));
        }
        return Optional.empty();
    }

    /** A misspelt argument would otherwise be silently replaced by its default. */
    private static void rejectUnknown(
            String runtime, Map<String, Argument<?>> declared, Map<String, List<String>> metadata) {
        for (var key : metadata.keySet()) {
            for (var prefix : List.of(ARGUMENTS_PREFIX, LEGACY_PREFIX, INPUTS_PREFIX)) {
                var ours = prefix + runtime + ".";
                if (key.startsWith(ours)) {
                    var name = key.substring(ours.length());
                    if (!declared.containsKey(name)) {
                        throw new ArgumentException(
                                runtime,
                                name,
                                "unknown argument (metadata " + key + "); "
                                        + (declared.isEmpty()
                                                ? "this runtime takes no arguments"
                                                : "known: "
                                                        + declared.keySet().stream()
                                                                .collect(Collectors.joining(", "))));
                    }
                }
            }
        }
    }

    /** The runtime these arguments belong to. */
    public String runtime() {
        return runtime;
    }

    /** The value the node gave, else the argument's default (null when it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(Argument<T> argument) {
        check(argument);
        return values.containsKey(argument.name()) ? (T) values.get(argument.name()) : argument.defaultValue();
    }

    /** The value the node gave or the default, empty when neither exists. */
    public <T> Optional<T> find(Argument<T> argument) {
        return Optional.ofNullable(get(argument));
    }

    /** Whether the node gave this argument (rather than leaving it to the default). */
    public boolean isGiven(Argument<?> argument) {
        check(argument);
        return values.containsKey(argument.name());
    }

    /** An error for a value that is well formed but unusable, naming the argument. */
    public ArgumentException invalid(Argument<?> argument, String problem) {
        return new ArgumentException(runtime, argument.name(), problem);
    }

    private void check(Argument<?> argument) {
        if (declared.get(argument.name()) == null) {
            throw new IllegalArgumentException(
                    "runtime \"" + runtime + "\" does not declare argument \"" + argument.name() + "\"");
        }
    }

    @Override
    public String toString() {
        return runtime + values;
    }
}
