package io.adagio.core.model;

/** A dependency: {@code destination} runs after {@code source} succeeded and receives its output. */
public record Edge(String source, String destination) {
    @Override
    public String toString() {
        return source + "->" + destination;
    }
}
