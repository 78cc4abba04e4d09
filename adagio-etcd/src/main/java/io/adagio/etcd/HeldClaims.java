package io.adagio.etcd;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The claims won through this instance: the lease each hangs on, the record as the claim committed
 * it and its downstream records as read then. A finish starts from these instead of reading them,
 * and a finish whose lease is gone is refused at once.
 */
final class HeldClaims {
    private record Ref(String runId, String node, String claimId) {}

    /**
     * One held claim; {@code committed} is null when the claim's record is not known; {@code outputs}:
     * the values of its outputs stored apart that the claim read (output key to value).
     */
    record Held(long lease, StoredNode committed, Map<String, StoredNode> downstream, Map<String, byte[]> outputs) {}

    private final ConcurrentHashMap<Ref, Held> held = new ConcurrentHashMap<>();

    void put(String runId, String node, String claimId, Held claim) {
        held.put(new Ref(runId, node, claimId), claim);
    }

    Held get(String runId, String node, String claimId) {
        return held.get(new Ref(runId, node, claimId));
    }

    /** The nodes of the claims held here, as {@code run/node}. */
    Set<String> nodes() {
        var out = new HashSet<String>();
        for (var ref : held.keySet()) {
            out.add(ref.runId() + "/" + ref.node());
        }
        return out;
    }

    void remove(String runId, String node, String claimId) {
        held.remove(new Ref(runId, node, claimId));
    }

    /** Forgets the claims of a lost lease: they can no longer be finished. */
    void dropLease(long lease) {
        held.values().removeIf(h -> h.lease() == lease);
    }
}
