package io.adagio.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A run named without its nodes: what a retention pass needs to choose runs by age, at the cost of
 * one small record per run instead of the whole run.
 */
public record RunRef(String id, Instant createdAt) {
    public RunRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
