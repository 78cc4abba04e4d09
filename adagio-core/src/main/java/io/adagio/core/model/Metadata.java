package io.adagio.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers for the metadata maps (key to list of values) that specs, results and claims carry. */
public final class Metadata {
    private Metadata() {}

    /** An immutable copy that keeps the caller's key order; null becomes empty. */
    public static Map<String, List<String>> copyOf(Map<String, List<String>> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Map.of();
        }
        var copy = new LinkedHashMap<String, List<String>>(metadata.size() * 2);
        metadata.forEach((k, v) -> copy.put(k, v == null ? List.of() : List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(copy);
    }
}
