package io.adagio.etcd;

import io.adagio.core.model.NodeSpec;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.WholeRun;
import io.etcd.jetcd.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole run as read at one revision, for a run-wide transition: its run record (and that record's
 * revision, which the commit compares), whether a journal was pending, and every node record.
 */
final class WholeRunView implements WholeRun {
    private final String runId;
    private final KeyValue runRecord;
    private final boolean journal;
    private final Map<String, StoredNode> nodes;
    private final Map<String, List<String>> upstream = new HashMap<>();

    /** @param records every node record of the run, in any order */
    WholeRunView(String runId, KeyValue runRecord, boolean journal, List<StoredNode> records) {
        this.runId = runId;
        this.runRecord = runRecord;
        this.journal = journal;
        var sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(s -> s.record().getIndex()));
        this.nodes = new LinkedHashMap<>();
        for (var s : sorted) {
            nodes.put(s.name(), s);
            upstream.putIfAbsent(s.name(), new ArrayList<>());
        }
        for (var s : sorted) {
            for (var d : s.downstream()) {
                upstream.computeIfAbsent(d, k -> new ArrayList<>()).add(s.name());
            }
        }
    }

    /** The run record as read, or null when the run does not exist (or its start is not complete). */
    KeyValue runRecord() {
        return runRecord;
    }

    /** Whether a big transition of the run was half applied when it was read. */
    boolean journal() {
        return journal;
    }

    StoredNode stored(String node) {
        return nodes.get(node);
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public List<String> nodes() {
        return List.copyOf(nodes.keySet());
    }

    @Override
    public NodeSpec spec(String node) {
        var s = nodes.get(node);
        return s == null ? null : s.spec();
    }

    @Override
    public List<String> downstream(String node) {
        var s = nodes.get(node);
        return s == null ? List.of() : s.downstream();
    }

    @Override
    public List<String> upstream(String node) {
        return upstream.getOrDefault(node, List.of());
    }

    @Override
    public NodeState state(String node) {
        return nodes.get(node).state();
    }
}
