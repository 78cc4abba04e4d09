package io.adagio.agent.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adagio.core.protocol.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One argument a {@link Runtime} reads, declared with its name, {@linkplain ArgumentType type},
 * whether it is required and its default:
 *
 * <pre>{@code
 * static final Argument<String> COMMAND = Argument.string("command").required();
 * static final Argument<List<String>> ARGS = Argument.strings("args");
 * static final Argument<Duration> SLEEP = Argument.duration("sleep").withDefault(Duration.ZERO);
 * }</pre>
 *
 * <p>A node gives the value of argument {@code a} of runtime {@code r} in its metadata under
 * {@code adagio.arguments.r.a} (or the older spelling {@code adagio.runtime.r.a}), or takes it from
 * the output of upstream node {@code u} (as UTF-8 text) with {@code adagio.inputs.r.a = ["u"]}.
 * Instances are immutable; the modifiers return new ones.
 *
 * @param <T> the Java type of the value
 */
public final class Argument<T> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final ArgumentType type;
    private final boolean required;
    private final T defaultValue;
    private final String description;
    private final Function<List<String>, T> parser;

    private Argument(
            String name,
            ArgumentType type,
            boolean required,
            T defaultValue,
            String description,
            Function<List<String>, T> parser) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("an argument name is 1 or more of [A-Za-z0-9_-], not \"" + name + "\"");
        }
        this.name = name;
        this.type = type;
        this.required = required;
        this.defaultValue = defaultValue;
        this.description = description;
        this.parser = parser;
    }

    private static <T> Argument<T> single(String name, ArgumentType type, Function<String, T> parse) {
        return new Argument<>(name, type, false, null, "", values -> parse.apply(values.getFirst()));
    }

    /** A string, taken as given. */
    public static Argument<String> string(String name) {
        return single(name, ArgumentType.STRING, s -> s);
    }

    /** Every value of the metadata entry; an empty list when not given. */
    public static Argument<List<String>> strings(String name) {
        return new Argument<>(name, ArgumentType.STRINGS, false, List.of(), "", List::copyOf);
    }

    /** A signed 64-bit whole number. */
    public static Argument<Long> int64(String name) {
        return single(name, ArgumentType.INT64, s -> {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + s + "\" is not a whole number (int64)");
            }
        });
    }

    /** A duration: {@code 250ms}, {@code 2s}, {@code 1m30s}, or a plain integer of nanoseconds. */
    public static Argument<Duration> duration(String name) {
        return single(name, ArgumentType.DURATION, Durations::parse);
    }

    /** An RFC 3339 timestamp, such as {@code 2026-01-02T15:04:05Z}. */
    public static Argument<Instant> time(String name) {
        return single(name, ArgumentType.TIME, s -> {
            try {
                return Timestamps.parse(s.strip());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("\"" + s + "\" is not an RFC 3339 time (like 2026-01-02T15:04:05Z)");
            }
        });
    }

    /** A JSON document, as a tree. */
    public static Argument<JsonNode> json(String name) {
        return json(name, JsonNode.class);
    }

    /** A JSON document bound to {@code type} with Jackson's default mapping. */
    public static <T> Argument<T> json(String name, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return single(name, ArgumentType.JSON, s -> {
            try {
                return JSON.readValue(s, type);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(
                        "not valid JSON for " + type.getSimpleName() + ": " + e.getOriginalMessage());
            }
        });
    }

    /** The same argument, which every node of the runtime must give. */
    public Argument<T> required() {
        return new Argument<>(name, type, true, null, description, parser);
    }

    /** The same argument, taking {@code value} when a node does not give it. */
    public Argument<T> withDefault(T value) {
        return new Argument<>(name, type, false, value, description, parser);
    }

    /** The same argument with a description for help texts. */
    public Argument<T> describedAs(String text) {
        return new Argument<>(name, type, required, defaultValue, text == null ? "" : text, parser);
    }

    public String name() {
        return name;
    }

    public ArgumentType type() {
        return type;
    }

    public boolean isRequired() {
        return required;
    }

    /** The value when a node does not give one; null when there is none. */
    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** {@code adagio.arguments.<runtime>.<name>}: where a node gives the value. */
    public String metadataKey(String runtime) {
        return Arguments.ARGUMENTS_PREFIX + runtime + "." + name;
    }

    /** {@code adagio.runtime.<runtime>.<name>}: the original project's spelling, still accepted. */
    public String legacyMetadataKey(String runtime) {
        return Arguments.LEGACY_PREFIX + runtime + "." + name;
    }

    /** {@code adagio.inputs.<runtime>.<name>}: names the upstream node whose output is the value. */
    public String inputKey(String runtime) {
        return Arguments.INPUTS_PREFIX + runtime + "." + name;
    }

    /**
     * Parses the values of a metadata entry.
     *
     * @throws IllegalArgumentException describing the problem (without the argument's name)
     */
    T parse(List<String> values) {
        if (type.singleValued() && values.size() != 1) {
            throw new IllegalArgumentException(
                    values.isEmpty()
                            ? "no value given (a " + type.label() + " takes one value)"
                            : "a " + type.label() + " takes one value, got " + values.size() + ": " + values);
        }
        return parser.apply(values);
    }

    @Override
    public String toString() {
        return name + " (" + type.label()
                + (required ? ", required" : defaultValue != null ? ", default " + defaultValue : "") + ")";
    }
}
