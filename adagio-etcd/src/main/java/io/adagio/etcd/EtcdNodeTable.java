package io.adagio.etcd;

import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.NodeTable;
import io.adagio.etcd.EtcdStorage.StoredNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's nodes as one transition sees them: the node records it used (with the revision each was
 * read at) and the states {@link io.adagio.core.protocol.Protocol} put. Records are taken on first
 * use from those already at hand (read earlier, for example with the claim) or fetched; the commit
 * compares the mod revision of every record used, and only those, so the transition applies only
 * if none of them changed meanwhile and a record at hand but not needed never makes it conflict.
 */
final class EtcdNodeTable implements NodeTable {
    interface Loader {
        /** The named nodes of the run; a missing node maps to null. */
        Map<String, StoredNode> load(String runId, Collection<String> names);
    }

    private final String runId;
    private final Map<String, StoredNode> read = new HashMap<>();
    /** Records at hand but not used yet (a missing node maps to null). */
    private final Map<String, StoredNode> atHand = new HashMap<>();

    private final LinkedHashMap<String, NodeState> written = new LinkedHashMap<>();
    private final LinkedHashMap<String, Delivery> delivered = new LinkedHashMap<>();
    private final Loader loader;

    /**
     * @param primary the transition's own node, used from the start
     * @param atHand  other records already read, used (and compared) only if the protocol asks for them
     */
    EtcdNodeTable(String runId, String primaryName, StoredNode primary, Map<String, StoredNode> atHand, Loader loader) {
        this.runId = runId;
        this.read.put(primaryName, primary);
        this.atHand.putAll(atHand);
        this.loader = loader;
    }

    /** Reads the named nodes neither used nor at hand yet, all in one go. */
    void prefetch(Collection<String> names) {
        var missing = new ArrayList<String>();
        for (var n : names) {
            if (!read.containsKey(n) && !atHand.containsKey(n)) {
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            atHand.putAll(loader.load(runId, missing));
        }
    }

    StoredNode stored(String node) {
        if (!read.containsKey(node)) {
            if (atHand.containsKey(node)) {
                read.put(node, atHand.remove(node));
            } else {
                read.putAll(loader.load(runId, List.of(node)));
            }
        }
        return read.get(node);
    }

    /** The records the transition used: what its commit compares. */
    Map<String, StoredNode> read() {
        return read;
    }

    Map<String, NodeState> written() {
        return written;
    }

    /** An upstream's output handed to a wide fan-in node: stored under its own key, not in the node's record. */
    record Delivery(String node, String upstream, byte[] output) {}

    /** Inputs delivered to wide fan-in nodes, by node: written as per-edge keys, their records untouched. */
    Map<String, Delivery> delivered() {
        return delivered;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public NodeSpec spec(String node) {
        if (node == null) {
            return null;
        }
        var s = stored(node);
        return s == null ? null : s.spec();
    }

    @Override
    public List<String> downstream(String node) {
        var s = stored(node);
        return s == null ? List.of() : s.downstream();
    }

    @Override
    public NodeState get(String node) {
        var w = written.get(node);
        if (w != null) {
            return w;
        }
        var s = stored(node);
        if (s == null) {
            throw new IllegalStateException("node \"" + node + "\" of run " + runId + " is missing from etcd");
        }
        return s.state();
    }

    /**
     * A WAITING wide fan-in node that gains exactly one input and stays WAITING is the protocol
     * delivering an upstream's output (Protocol.finish: {@code withInput}). Its record keeps the
     * full upstream count as {@code waitingOn}, so that delivery never makes it READY here; the input
     * goes to its own key instead of a rewrite of the record, and the repository decides readiness
     * after the commit by counting the node's input keys (see EtcdRepository.promoteWide). Any other
     * change of the node (unreached, promoted) is an ordinary record write.
     */
    @Override
    public void put(String node, NodeState state) {
        var s = read.get(node);
        if (s != null
                && EtcdStorage.wideFanIn(s.record())
                && !written.containsKey(node)
                && s.state().status() == NodeStatus.WAITING
                && state.status() == NodeStatus.WAITING
                && state.waitingOn() == s.state().waitingOn() - 1
                && state.inputs().size() == s.state().inputs().size() + 1) {
            for (var e : state.inputs().entrySet()) {
                if (!s.state().inputs().containsKey(e.getKey())) {
                    delivered.put(node, new Delivery(node, e.getKey(), e.getValue()));
                    return;
                }
            }
        }
        written.put(node, state);
    }
}
