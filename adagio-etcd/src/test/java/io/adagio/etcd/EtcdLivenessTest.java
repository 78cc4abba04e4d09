package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.conformance.Inbox;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases, orphans and watches when things go wrong: lost leases, nobody watching, cut connections, compaction. */
class EtcdLivenessTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Set<Event.Type> ALL = EnumSet.allOf(Event.Type.class);

    private EtcdTestScope scope;
    private String namespace;
    private RawEtcd raw;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("liveness", ETCD.endpoints());
        namespace = scope.namespace;
        raw = scope.raw;
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository(String endpoints, Duration ttl) {
        // No periodic scan within a test's time: what is found must be found by the watches and
        // the scan at subscribe, not by the net under them.
        var r = EtcdRepository.connect(EtcdSettings.of(endpoints)
                .withNamespace(namespace)
                .withLeaseTtl(ttl)
                .withHousekeepingPeriod(Duration.ofHours(1)));
        scope.closeLater(r);
        return r;
    }

    private EtcdRepository repository() {
        return repository(ETCD.endpoints(), Duration.ofSeconds(10));
    }

    private Inbox subscribe(EtcdRepository r, String agent, Set<Event.Type> types) {
        return new Inbox(r.subscribe(new Agent(agent, List.of("debug")), types), DEADLINE);
    }

    private static Claim newClaim() {
        return new Claim(UUID.randomUUID().toString());
    }

    @Test
    void anAgentThatLosesItsLeaseIsToldAndCannotFinishWhatItHeld() {
        var agent = repository();
        var watcher = repository();
        var agentInbox = subscribe(agent, "agent-a", EnumSet.of(Event.Type.NODE_READY));
        var watcherInbox = subscribe(watcher, "agent-b", ALL);
        var id = watcher.startRun(graph(List.of(node("a", 0, 2), node("b")), "a->b"))
                .id();
        agentInbox.awaitReady(id, "a");
        var held = newClaim();
        assertThat(agent.claimNode(id, "a", held).claimed()).isTrue();

        raw.revoke(raw.leaseOf(namespace + "/agents/agent-a"));

        Awaitility.await("the lost agent's subscription is closed")
                .atMost(DEADLINE)
                .until(() -> agentInbox.subscription().isClosed());
        watcherInbox.awaitOrphaned(id, "a");
        Awaitility.await()
                .atMost(DEADLINE)
                .until(() -> watcher.inspectRun(id).node("a").orElseThrow().status() == NodeStatus.NONE);
        assertThatThrownBy(() -> agent.finishNode(id, "a", Result.success("too late"), held))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(watcher.listAgents()).extracting(Agent::id).containsExactly("agent-b");

        var recovery = watcher.claimNode(id, "a", newClaim());
        assertThat(recovery.orphanRecovery()).isTrue();
        watcher.finishNode(
                id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());
        var retry = newClaim();
        assertThat(watcher.claimNode(id, "a", retry).claimed()).isTrue();
        watcher.finishNode(id, "a", Result.success("done"), retry);
        assertThat(watcher.inspectRun(id).node("a").orElseThrow().attempts())
                .extracting(Result::outputText)
                .containsExactly(Protocol.ORPHANED_OUTPUT, "done");

        // The agent comes back with a fresh lease.
        var again = subscribe(agent, "agent-a", EnumSet.of(Event.Type.NODE_READY));
        again.awaitReady(id, "b");
        assertThat(watcher.listAgents()).extracting(Agent::id).containsExactlyInAnyOrder("agent-a", "agent-b");
    }

    @Test
    void claimsOfAnAgentThatStopsHeartbeatingAreOrphanedWithinTheLeaseTtl() {
        var killable = scope.killable(ETCD.endpoints(), Duration.ofSeconds(2));
        var dying = killable.repository();
        var watcher = repository();
        var inbox = subscribe(watcher, "watcher", ALL);
        subscribe(dying, "dying", EnumSet.of(Event.Type.NODE_READY));
        var id = watcher.startRun(graph(List.of(node("a"), node("b")))).id();
        assertThat(dying.claimNode(id, "a", newClaim()).claimed()).isTrue();
        assertThat(watcher.listAgents()).extracting(Agent::id).contains("dying");

        killable.kill(); // as SIGKILL would: no revoke, heartbeats just stop

        inbox.awaitOrphaned(id, "a");
        assertThat(watcher.inspectRun(id).node("a").orElseThrow().status()).isEqualTo(NodeStatus.NONE);
        Awaitility.await()
                .atMost(DEADLINE)
                .until(() -> watcher.listAgents().stream().noneMatch(a -> a.id().equals("dying")));
    }

    @Test
    void anOrphanNobodyWatchedIsRecoveredWhenAnAgentSubscribes() {
        var holder = repository();
        var id = holder.startRun(graph(List.of(node("a"), node("b")))).id();
        assertThat(holder.claimNode(id, "a", newClaim()).claimed()).isTrue();

        var claimKey = new Keys(namespace).claim(id, "a");
        raw.revoke(raw.leaseOf(claimKey)); // every agent is gone: nobody sees the claim key go
        assertThat(raw.keys(claimKey)).isEmpty();
        assertThat(holder.inspectRun(id).node("a").orElseThrow().status()).isEqualTo(NodeStatus.RUNNING);

        var late = repository();
        var inbox = subscribe(late, "late", ALL);
        inbox.awaitOrphaned(id, "a");
        inbox.awaitReady(id, "b");
        assertThat(late.inspectRun(id).node("a").orElseThrow().status()).isEqualTo(NodeStatus.NONE);
        assertThat(late.stats().nodeCounts().orphaned()).isEqualTo(1);
    }

    @Test
    void aSubscriberCutOffFromEtcdCatchesUpAfterReconnectAndAfterCompaction() throws Exception {
        var proxy = new TcpProxy(ETCD.endpoints());
        scope.closeLater(proxy);
        var agent = repository(proxy.url(), Duration.ofSeconds(10));
        var starter = repository();
        var inbox = subscribe(agent, "agent", EnumSet.of(Event.Type.NODE_READY));
        var first = starter.startRun(graph(List.of(node("r1")))).id();
        inbox.awaitReady(first, "r1");

        // Cut off: the watch resumes from the revision it had seen.
        proxy.cut();
        var whileCut = starter.startRun(graph(List.of(node("r2")))).id();
        proxy.restore();
        inbox.awaitReady(whileCut, "r2");

        // Cut off while the history it missed is compacted away: it must read the index again.
        proxy.cut();
        var compacted = starter.startRun(graph(List.of(node("r3"), node("r4")))).id();
        var filler = starter.startRun(graph(List.of(node("x")))).id();
        raw.compact(raw.revision());
        proxy.restore();
        inbox.awaitReady(compacted, "r3", "r4");
        inbox.awaitReady(filler, "x");
    }
}
