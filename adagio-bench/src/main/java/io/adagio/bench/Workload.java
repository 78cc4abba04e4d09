package io.adagio.bench;

import io.adagio.core.model.GraphSpec;
import java.util.Collections;
import java.util.List;

/** Runs to start all at once and execute to completion: {@code count} runs of {@code graph}. */
record Workload(String name, GraphSpec graph, int count) {

    long nodes() {
        return (long) graph.nodes().size() * count;
    }

    List<GraphSpec> graphs() {
        return Collections.nCopies(count, graph);
    }

    static Workload of(String name, GraphSpec graph, int count) {
        return new Workload(name, graph, count);
    }
}
