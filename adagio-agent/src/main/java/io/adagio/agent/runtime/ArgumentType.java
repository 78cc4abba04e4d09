package io.adagio.agent.runtime;

/** The kinds of value an {@link Argument} can hold. */
public enum ArgumentType {
    /** One string, taken as given. */
    STRING("string"),
    /** Every value of the metadata entry, in order. */
    STRINGS("strings"),
    /** A signed 64-bit whole number. */
    INT64("int64"),
    /** A Go-style duration ({@code 250ms}, {@code 2s}, {@code 1m30s}) or a plain integer of nanoseconds. */
    DURATION("duration"),
    /** An RFC 3339 timestamp. */
    TIME("time"),
    /** A JSON document. */
    JSON("JSON");

    private final String label;

    ArgumentType(String label) {
        this.label = label;
    }

    /** How messages name the type. */
    public String label() {
        return label;
    }

    /** Whether the argument takes exactly one value. */
    public boolean singleValued() {
        return this != STRINGS;
    }
}
