package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.repository.Subscription;
import io.adagio.etcd.storage.AgentRecord;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents subscribed through this instance: each registered under the instance's lease (so it
 * leaves ListAgents when the process dies) and fed by watches of the ready, orphaned and cancels
 * indexes.
 */
final class Subscriptions {
    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final Leases leases;
    private final ClaimHints hints;
    private final Background background;
    private final Set<Handle> handles = ConcurrentHashMap.newKeySet();

    Subscriptions(EtcdCalls calls, Keys keys, Leases leases, ClaimHints hints, Background background) {
        this.calls = calls;
        this.keys = keys;
        this.leases = leases;
        this.hints = hints;
        this.background = background;
    }

    /** One subscription, the lease it was made under, and its watches. */
    private record Handle(Agent agent, long lease, Subscription subscription, List<IndexWatch> watches) {}

    Subscription subscribe(Agent agent, Set<Event.Type> types) {
        long lease = leases.current();
        var record = AgentRecord.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setAgent(WireMapping.toProto(agent))
                .build();
        calls.await(calls.kv()
                .put(
                        bytes(keys.agent(agent.id())),
                        EtcdStorage.encode(record),
                        PutOption.builder().withLeaseId(lease).build()));
        var watches = new ArrayList<IndexWatch>();
        var holder = new Handle[1];
        var subscription = new Subscription(agent, () -> unsubscribe(holder[0]));
        if (types.contains(Event.Type.NODE_READY)) {
            watches.add(new IndexWatch(
                    calls, keys.ready(), subscription, IndexWatch.indexEntries(keys.ready(), hints), background));
        }
        if (types.contains(Event.Type.NODE_ORPHANED)) {
            watches.add(new IndexWatch(
                    calls, keys.orphaned(), subscription, IndexWatch.indexEntries(keys.orphaned(), hints), background));
        }
        if (types.contains(Event.Type.NODE_CANCELLED)) {
            // One watch per subscription (an agent process has one), not one per running node.
            watches.add(new IndexWatch(
                    calls, keys.cancels(), subscription, IndexWatch.cancelEntries(keys.cancels()), background));
        }
        holder[0] = new Handle(agent, lease, subscription, List.copyOf(watches));
        handles.add(holder[0]);
        for (var w : watches) {
            w.start();
        }
        LOG.debug("agent {} subscribed to {} with runtimes {}", agent.id(), types, agent.runtimes());
        return subscription;
    }

    boolean isEmpty() {
        return handles.isEmpty();
    }

    /** Closes the subscriptions made under {@code lease}: their agent's liveness went with it. */
    void closeFor(long lease) {
        for (var h : List.copyOf(handles)) {
            if (h.lease() == lease) {
                h.subscription().close();
            }
        }
    }

    void closeAll() {
        for (var h : List.copyOf(handles)) {
            h.subscription().close();
        }
    }

    private void unsubscribe(Handle handle) {
        handles.remove(handle);
        for (var w : handle.watches()) {
            w.close();
        }
        boolean stillSubscribed = handles.stream()
                .anyMatch(h -> h.agent().id().equals(handle.agent().id()));
        if (!stillSubscribed && !calls.closed() && leases.alive(handle.lease())) {
            // Leave ListAgents now rather than when the lease ends.
            calls.kv().delete(bytes(keys.agent(handle.agent().id())));
        }
    }
}
