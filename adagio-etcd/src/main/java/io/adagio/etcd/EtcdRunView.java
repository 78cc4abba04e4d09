package io.adagio.etcd;

import io.adagio.core.model.NodeSpec;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.RunView;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's nodes as one transition sees them: the node records it used, each with the revision it
 * was read at. Records are taken on first use from those already at hand (read earlier, for example
 * with the claim) or fetched; the commit compares the mod revision of every record used, and only
 * those, so the transition applies only if none of them changed meanwhile, and a record at hand
 * but not needed never makes it conflict.
 */
final class EtcdRunView implements RunView {
    interface Loader {
        /** The named nodes of the run; a missing node maps to null. */
        Map<String, StoredNode> load(String runId, Collection<String> names);
    }

    private final String runId;
    private final Map<String, StoredNode> used = new LinkedHashMap<>();
    /** Records at hand but not used yet (a missing node maps to null). */
    private final Map<String, StoredNode> atHand = new HashMap<>();

    private final Loader loader;
    private final int attemptLimit;

    /**
     * @param primary      the transition's own node, used from the start
     * @param atHand       other records already read, used (and compared) only if the protocol asks for them
     * @param attemptLimit the most attempts a node records in all
     */
    EtcdRunView(String runId, StoredNode primary, Map<String, StoredNode> atHand, Loader loader, int attemptLimit) {
        this.runId = runId;
        this.used.put(primary.name(), primary);
        this.atHand.putAll(atHand);
        this.loader = loader;
        this.attemptLimit = attemptLimit;
    }

    @Override
    public int attemptLimit() {
        return attemptLimit;
    }

    /** Reads the named nodes neither used nor at hand yet, all in one go. */
    void prefetch(Collection<String> names) {
        var missing = new ArrayList<String>();
        for (var n : names) {
            if (!used.containsKey(n) && !atHand.containsKey(n)) {
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            atHand.putAll(loader.load(runId, missing));
        }
    }

    /** The node's record, or null when the run has none of that name. */
    StoredNode stored(String node) {
        if (!used.containsKey(node)) {
            if (atHand.containsKey(node)) {
                used.put(node, atHand.remove(node));
            } else {
                used.putAll(loader.load(runId, List.of(node)));
            }
        }
        return used.get(node);
    }

    /** The records the transition used, in the order it used them: what its commit compares. */
    Map<String, StoredNode> used() {
        return used;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public NodeSpec spec(String node) {
        var s = stored(node);
        return s == null ? null : s.spec();
    }

    @Override
    public List<String> downstream(String node) {
        var s = stored(node);
        return s == null ? List.of() : s.downstream();
    }

    @Override
    public boolean inputsApart(String node) {
        var s = stored(node);
        return s != null && s.wideFanIn();
    }

    @Override
    public NodeState state(String node) {
        var s = stored(node);
        if (s == null) {
            // Only names the protocol found in a record (a downstream list) get here.
            throw new RepositoryException.StorageFormat("etcd holds no record of node \"" + node + "\" of run " + runId
                    + ", though another record of the run names it");
        }
        return s.state();
    }
}
