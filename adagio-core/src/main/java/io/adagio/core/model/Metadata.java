package io.adagio.core.model;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Helpers for the metadata maps (key to list of values) that specs, results and claims carry. */
public final class Metadata {
    private Metadata() {}

    /**
     * An immutable copy that keeps the caller's key order; null becomes empty. A copy made here is
     * returned as it is: a result's metadata passed through three constructors on its way to the
     * store, and each copied it again.
     */
    public static Map<String, List<String>> copyOf(Map<String, List<String>> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Map.of();
        }
        if (metadata instanceof Frozen) {
            return metadata;
        }
        var copy = new LinkedHashMap<String, List<String>>(metadata.size() * 2);
        metadata.forEach((k, v) -> copy.put(k, v == null ? List.of() : List.copyOf(v)));
        return new Frozen(copy);
    }

    /** A copy made by {@link #copyOf}: nobody else holds the map inside, so it never changes. */
    private static final class Frozen extends AbstractMap<String, List<String>> {
        private final Map<String, List<String>> entries;

        Frozen(LinkedHashMap<String, List<String>> entries) {
            this.entries = Collections.unmodifiableMap(entries);
        }

        @Override
        public Set<Entry<String, List<String>>> entrySet() {
            return entries.entrySet();
        }

        @Override
        public List<String> get(Object key) {
            return entries.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return entries.containsKey(key);
        }

        @Override
        public int size() {
            return entries.size();
        }
    }
}
