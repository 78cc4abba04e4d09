package io.adagio.core.model;

import java.util.List;
import java.util.Map;

/** A claim on a node: whoever holds the current claim, and only they, may finish the node. */
public record Claim(String id, Map<String, List<String>> metadata) {
    public Claim {
        metadata = Metadata.copyOf(metadata);
    }

    public Claim(String id) {
        this(id, Map.of());
    }
}
