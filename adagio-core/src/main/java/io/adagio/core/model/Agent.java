package io.adagio.core.model;

import java.util.List;

/** A live agent (one agent pool process) and the runtimes it can execute. */
public record Agent(String id, List<String> runtimes) {
    public Agent {
        runtimes = List.copyOf(runtimes);
    }
}
