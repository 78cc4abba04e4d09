package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.ClientInterceptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What must not pile up or leak as processes come and go: counter shards of dead instances are
 * merged, and a run whose start was cut short is never executed.
 */
class EtcdHousekeepingTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private EtcdTestScope scope;
    private String namespace;
    private RawEtcd raw;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("housekeeping", ETCD.endpoints());
        namespace = scope.namespace;
        raw = scope.raw;
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository(EtcdSettings settings, ClientInterceptor... interceptors) {
        var r = EtcdRepository.connect(settings, interceptors);
        scope.closeLater(r);
        return r;
    }

    private EtcdSettings settings() {
        return EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace).withLeaseTtl(Duration.ofSeconds(2));
    }

    private List<String> shardKeys() {
        return raw.keys(namespace + "/stats/");
    }

    /** Starts a run of two nodes and executes its first one: every counter moves. */
    private static String work(EtcdRepository r) {
        var id = r.startRun(graph("a->b")).id();
        execute(r, id, "a");
        return id;
    }

    private static void execute(EtcdRepository r, String runId, String node) {
        var claim = new Claim(UUID.randomUUID().toString());
        assertThat(r.claimNode(runId, node, claim).claimed()).isTrue();
        r.finishNode(runId, node, Result.success("x"), claim);
    }

    @Test
    void shardsOfADeadInstanceAreMergedWhenAnotherInstanceGetsItsLease() {
        var killable = scope.killable(ETCD.endpoints(), Duration.ofSeconds(2));
        var dying = killable.repository();
        work(dying);
        work(dying);
        Stats before = dying.stats();
        assertThat(shardKeys()).isNotEmpty().allMatch(k -> k.contains("/stats/") && !k.endsWith("/merged"));

        killable.kill(); // as SIGKILL would: its lease runs out, its instance key goes with it
        Awaitility.await("instance key gone")
                .atMost(DEADLINE)
                .until(() -> raw.keys(namespace + "/instances/").isEmpty());

        var survivor = repository(settings());
        assertThat(survivor.stats()).isEqualTo(before);
        survivor.subscribe(new Agent("survivor", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));

        Awaitility.await("dead shards merged")
                .atMost(DEADLINE)
                .until(this::shardKeys, keys -> keys.equals(List.of(namespace + "/stats/merged")));
        assertThat(survivor.stats()).isEqualTo(before);

        // The survivor's own counting goes on beside the merged shard.
        work(survivor);
        var after = survivor.stats();
        assertThat(after.runCount()).isEqualTo(3);
        assertThat(after.nodeCounts().completed()).isEqualTo(before.nodeCounts().completed() + 1);
        assertThat(shardKeys()).hasSize(2).contains(namespace + "/stats/merged");
    }

    @Test
    void aLiveInstanceTakenForDeadKeepsCountingRight() {
        var live = repository(settings());
        var other = repository(settings());
        var first = work(live);
        work(other);
        // As if its lease had lapsed for a moment: its instance key is gone and its shards get merged.
        raw.keys(namespace + "/instances/").forEach(raw::delete);
        assertThat(other.merger.merge()).isPositive();
        assertThat(other.merger.merge()).isZero();

        // Its next writes (a claim, then a start) find its shard changed and count on from what is there.
        execute(live, first, "b");
        work(live);
        var stats = other.stats();
        assertThat(stats.runCount()).isEqualTo(3);
        assertThat(stats.nodeCounts().completed()).isEqualTo(4);
        assertThat(stats.nodeCounts().ready()).isEqualTo(2);
        assertThat(stats.nodeCounts().running()).isZero();
        assertThat(stats.nodeCounts().waiting()).isZero();
    }

    /** Fails the transaction that writes a run record, as a crash just before it would. */
    private static final class CutBeforeRunRecord extends TxnInterceptor {
        final AtomicBoolean armed = new AtomicBoolean(true);
        private final String runsPrefix;

        CutBeforeRunRecord(String namespace) {
            this.runsPrefix = namespace + "/runs/";
        }

        @Override
        Cut beforeSending(TxnRequest t) {
            return armed.get()
                            && t.getSuccessList().stream()
                                    .anyMatch(op -> op.hasRequestPut()
                                            && op.getRequestPut()
                                                    .getKey()
                                                    .toString(StandardCharsets.UTF_8)
                                                    .startsWith(runsPrefix))
                    ? new Cut("the test cuts the start short", null)
                    : null;
        }
    }

    @Test
    void aSmallStartCutShortLeavesNothingAtAll() {
        var cut = new CutBeforeRunRecord(namespace);
        var starter = repository(settings().withRequestTimeout(Duration.ofSeconds(3)), cut);

        // A run that fits one transaction is started by one transaction: all of it or nothing.
        assertThatThrownBy(() -> starter.startRun(graph("a->b", "c->b"))).isInstanceOf(RepositoryException.class);

        assertThat(raw.keys(namespace + "/nodes/")).isEmpty();
        assertThat(raw.keys(namespace + "/ready/")).isEmpty();
        assertThat(starter.listRuns(RunQuery.ALL)).isEmpty();
    }

    @Test
    void aStartCutShortLeavesNothingThatAnAgentHearsOfOrCanClaim() {
        var cut = new CutBeforeRunRecord(namespace);
        // Too big for one transaction: the records are written before the run record.
        var settings = settings().withMaxTxnOps(16).withRequestTimeout(Duration.ofSeconds(3));
        var starter = repository(settings, cut);
        var agent = repository(settings);
        var subscription = agent.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var chain =
                IntStream.range(1, 20).mapToObj(i -> "n" + (i - 1) + "->n" + i).toArray(String[]::new);

        assertThatThrownBy(() -> starter.startRun(graph(chain))).isInstanceOf(RepositoryException.class);

        var nodeKeys = raw.keys(namespace + "/nodes/");
        assertThat(nodeKeys).as("the start got as far as the nodes").hasSize(20);
        assertThat(raw.keys(namespace + "/ready/")).as("no root was announced").isEmpty();
        var runId = Keys.runAndNode(namespace + "/nodes/", nodeKeys.getFirst())[0];
        assertThatThrownBy(() -> agent.claimNode(runId, "n0", new Claim("c")))
                .isInstanceOf(RepositoryException.NotReady.class);
        assertThat(agent.listRuns(RunQuery.ALL)).isEmpty();

        // A complete start afterwards is announced as usual, and only it.
        cut.armed.set(false);
        var complete = starter.startRun(graph(chain)).id();
        var event = Awaitility.await()
                .atMost(DEADLINE)
                .until(() -> subscription.poll(Duration.ofMillis(100)), e -> e.isPresent());
        assertThat(event.orElseThrow().runId()).isEqualTo(complete);
    }

    @Test
    void aStartWithMoreRootsThanATransactionHoldsCutShortCannotBeClaimed() {
        var cut = new CutBeforeRunRecord(namespace);
        var settings = settings().withMaxTxnOps(16).withRequestTimeout(Duration.ofSeconds(3));
        var starter = repository(settings, cut);
        var agent = repository(settings);
        var roots = IntStream.range(0, 40).mapToObj(i -> node("r" + i)).toArray(NodeSpec[]::new);

        assertThatThrownBy(() -> starter.startRun(graph(List.of(roots)))).isInstanceOf(RepositoryException.class);

        var readyKeys = raw.keys(namespace + "/ready/");
        assertThat(readyKeys)
                .as("too many roots for the last transaction: announced before it")
                .hasSize(40);
        var runId = Keys.runAndNode(namespace + "/ready/", readyKeys.getFirst())[0];
        for (var root : List.of("r0", "r17", "r39")) {
            assertThatThrownBy(() -> agent.claimNode(runId, root, new Claim("c-" + root)))
                    .isInstanceOf(RepositoryException.NotReady.class);
        }
        assertThat(raw.keys(namespace + "/held/")).as("nothing is running").isEmpty();

        // The same shape started completely is claimable.
        cut.armed.set(false);
        var complete = starter.startRun(graph(List.of(roots))).id();
        assertThat(agent.claimNode(complete, "r17", new Claim("c")).claimed()).isTrue();
        assertThat(agent.inspectRun(complete).node("r17").orElseThrow().status())
                .isEqualTo(NodeStatus.RUNNING);
    }
}
