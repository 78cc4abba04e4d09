package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.conformance.Follower;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.testkit.etcd.EtcdExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What watching adds on etcd: a run followed through another repository than the one that changes
 * it, watches that break (cut off, history compacted away) and catch up, a deleted run, and one etcd
 * watch per run however many watch it.
 */
class EtcdWatchTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private EtcdTestScope scope;

    @BeforeEach
    void scope() {
        scope = new EtcdTestScope("watch", ETCD.endpoints());
    }

    @AfterEach
    void close() throws Exception {
        scope.close();
    }

    private EtcdRepository repository(String endpoints) {
        return scope.closeLater(EtcdRepository.connect(
                EtcdSettings.of(endpoints).withNamespace(scope.namespace).withRequestTimeout(Duration.ofSeconds(5))));
    }

    private static void succeed(Repository repository, String runId, String node) {
        var claim = new Claim("claim-" + UUID.randomUUID());
        assertThat(repository.claimNode(runId, node, claim).claimed()).isTrue();
        repository.finishNode(runId, node, Result.success("out-" + node), claim);
    }

    private static void catchUp(Follower follower, Repository repository, String runId) {
        var expected = repository.inspectRun(runId).nodes();
        while (!follower.nodes().equals(expected)) {
            follower.next();
            expected = repository.inspectRun(runId).nodes();
        }
    }

    @Test
    void aWatchCutOffFromEtcdCatchesUpAfterReconnectAndAfterCompaction() throws Exception {
        var proxy = scope.closeLater(new TcpProxy(ETCD.endpoints()));
        var watching = repository(proxy.url());
        var driving = repository(ETCD.endpoints());
        var id = driving.startRun(graph("a->b", "b->c", "c->d")).id();
        try (var follower = new Follower(watching, id, 0, null, DEADLINE)) {
            assertThat(follower.next()).isInstanceOf(RunUpdate.Snapshot.class);

            proxy.cut();
            succeed(driving, id, "a");
            proxy.restore();
            catchUp(follower, driving, id);

            // Cut off while the history it missed is compacted away: it reads the run again.
            proxy.cut();
            succeed(driving, id, "b");
            succeed(driving, id, "c");
            scope.raw.compact(scope.raw.revision());
            proxy.restore();
            catchUp(follower, driving, id);

            succeed(driving, id, "d");
            follower.untilCompleted();
            assertThat(follower.nodes()).isEqualTo(driving.inspectRun(id).nodes());
            assertThat(follower.status()).isEqualTo(RunStatus.COMPLETED);
        }
    }

    @Test
    void aDeletedRunEndsItsWatchesWithNotFound() {
        var repository = repository(ETCD.endpoints());
        var id = repository.startRun(graph("a->b")).id();
        try (var follower = new Follower(repository, id, 0, null, DEADLINE)) {
            follower.next();
            scope.raw.delete(new Keys(scope.namespace).run(id));
            await().atMost(DEADLINE)
                    .untilAsserted(() -> assertThatThrownBy(follower::pollNow)
                            .isInstanceOf(RepositoryException.NotFound.class)
                            .hasMessageContaining(id));
            assertThat(follower.watch().finished()).isTrue();
        }
    }

    @Test
    void everyWatcherOfARunInOneProcessSharesOneEtcdWatch() throws Exception {
        var repository = repository(ETCD.endpoints());
        var id = repository.startRun(graph("a->b")).id();
        long before = etcdWatchers();
        var followers = new ArrayList<Follower>();
        for (int i = 0; i < 25; i++) {
            var follower = new Follower(repository, id, 0, null, DEADLINE);
            follower.next();
            followers.add(follower);
        }
        // Its node records and its run record: two etcd watches for 25 watchers.
        await().atMost(DEADLINE).until(() -> etcdWatchers() - before == 2);
        succeed(repository, id, "a");
        succeed(repository, id, "b");
        for (var follower : followers) {
            follower.untilCompleted();
            assertThat(follower.nodes()).isEqualTo(repository.inspectRun(id).nodes());
        }
        followers.forEach(Follower::close);
    }

    /** The number of watches etcd serves, from its metrics. */
    private static long etcdWatchers() throws Exception {
        var endpoint = ETCD.endpoints().split(",")[0];
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(endpoint + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        List<String> lines = response.body().lines().toList();
        return lines.stream()
                .filter(l -> l.startsWith("etcd_debugging_mvcc_watcher_total "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
                .findFirst()
                .orElseThrow();
    }
}
