package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The pool tries again only what can succeed later: an unavailable or busy repository is retried
 * until it answers; a record the store cannot read, or refused credentials, end the claim, the
 * result or (for the subscription) the pool at once, with an ERROR line saying why.
 */
class RepositoryErrorsTest extends PoolFixture {

    /** Each kind of error a repository reports for its own trouble, made with a message to find in the log. */
    enum Kind {
        UNAVAILABLE(m -> new RepositoryException.Unavailable(m)),
        CONTENTION(m -> new RepositoryException.Contention(m)),
        STORAGE_FORMAT(m -> new RepositoryException.StorageFormat(m)),
        ACCESS_DENIED(m -> new RepositoryException.AccessDenied(m, null));

        final Function<String, RepositoryException> make;

        Kind(Function<String, RepositoryException> make) {
            this.make = make;
        }
    }

    /**
     * The memory repository behind a connection that fails the claims and finishes of the node named
     * {@code bad} the given number of times with the given error, and all subscriptions after the
     * first; it counts the calls per node.
     */
    private final class Failing extends ForwardingRepository {
        final Kind kind;
        final AtomicInteger claimFailures;
        final AtomicInteger finishFailures;
        final Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> finishes = new ConcurrentHashMap<>();
        final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

        Failing(Kind kind, int claimFailures, int finishFailures) {
            super(repository);
            this.kind = kind;
            this.claimFailures = new AtomicInteger(claimFailures);
            this.finishFailures = new AtomicInteger(finishFailures);
        }

        @Override
        public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
            claims.computeIfAbsent(nodeName, k -> new AtomicInteger()).incrementAndGet();
            if (nodeName.equals("bad") && claimFailures.getAndDecrement() > 0) {
                throw kind.make.apply("claim refused by the test");
            }
            return inner.claimNode(runId, nodeName, claim);
        }

        @Override
        public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
            finishes.computeIfAbsent(nodeName, k -> new AtomicInteger()).incrementAndGet();
            if (nodeName.equals("bad") && finishFailures.getAndDecrement() > 0) {
                throw kind.make.apply("finish refused by the test");
            }
            return inner.finishNode(runId, nodeName, result, claim);
        }

        @Override
        public Subscription subscribe(Agent agent, Set<Event.Type> types) {
            if (!subscriptions.isEmpty()) {
                throw kind.make.apply("subscription refused by the test");
            }
            var subscription = inner.subscribe(agent, types);
            subscriptions.add(subscription);
            return subscription;
        }

        int claimsOf(String node) {
            return claims.getOrDefault(node, new AtomicInteger()).get();
        }

        int finishesOf(String node) {
            return finishes.getOrDefault(node, new AtomicInteger()).get();
        }
    }

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger poolLogger = (Logger) LoggerFactory.getLogger(AgentPool.class);

    @BeforeEach
    void captureLog() {
        log.start();
        poolLogger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        poolLogger.detachAppender(log);
    }

    /** The pool's ERROR lines so far. */
    private List<String> errors() {
        synchronized (log) {
            return log.list.stream()
                    .filter(e -> e.getLevel() == Level.ERROR)
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    private AgentPool pool(Failing connection) {
        return startPool(b ->
                b.repository(connection).agentCount(1).unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));
    }

    @ParameterizedTest
    @EnumSource(names = {"UNAVAILABLE", "CONTENTION"})
    void retryableErrorsAreRetriedUntilTheRepositoryAnswers(Kind kind) {
        var connection = new Failing(kind, 3, 3);
        var pool = pool(connection);

        var run = awaitCompleted(start(Specs.single(task("bad", "debug"))));

        assertThat(node(run, "bad").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        assertThat(connection.claimsOf("bad"))
                .as("claims: three refused, then one")
                .isEqualTo(4);
        assertThat(connection.finishesOf("bad"))
                .as("finishes: three refused, then one")
                .isEqualTo(4);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 0, 0, 0));
        assertThat(errors()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(names = {"STORAGE_FORMAT", "ACCESS_DENIED"})
    void aClaimRefusedForGoodIsTriedOnceAndLoggedAsAnError(Kind kind) {
        var connection = new Failing(kind, Integer.MAX_VALUE, 0);
        pool(connection);
        var bad = start(Specs.single(task("bad", "debug")));
        // One worker takes the events in order: once the next run is done, the bad claim is behind it.
        var good = awaitCompleted(start(Specs.single(task("good", "debug"))));

        assertThat(node(good, "good").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(connection.claimsOf("bad")).isEqualTo(1);
        assertThat(node(bad, "bad").status()).isEqualTo(NodeStatus.READY);
        assertThat(errors())
                .singleElement()
                .asString()
                .contains("could not claim node \"bad\"")
                .contains("claim refused by the test");
    }

    @ParameterizedTest
    @EnumSource(names = {"STORAGE_FORMAT", "ACCESS_DENIED"})
    void aResultRefusedForGoodIsTriedOnceDroppedAndLoggedAsAnError(Kind kind) {
        var connection = new Failing(kind, 0, Integer.MAX_VALUE);
        var pool = pool(connection);
        start(Specs.single(task("bad", "debug")));

        await().atMost(DEADLINE).until(() -> pool.counts().resultsDropped() == 1);
        assertThat(connection.finishesOf("bad")).isEqualTo(1);
        assertThat(errors())
                .singleElement()
                .asString()
                .contains("could not record the result of node \"bad\"")
                .contains("finish refused by the test");
    }

    @ParameterizedTest
    @EnumSource(names = {"STORAGE_FORMAT", "ACCESS_DENIED"})
    void aSubscriptionRefusedForGoodStopsThePool(Kind kind) throws InterruptedException {
        var connection = new Failing(kind, 0, 0);
        var pool = pool(connection);

        // What a backend does when it loses the agent's lease: it ends the subscription.
        connection.subscriptions.getFirst().close();

        assertThat(pool.awaitTermination(DEADLINE)).isTrue();
        assertThat(pool.isRunning()).isFalse();
        assertThat(repository.listAgents()).isEmpty();
        assertThat(errors())
                .singleElement()
                .asString()
                .contains("refused its subscription")
                .contains("subscription refused by the test");
    }

    @Test
    void aRepeatedRecoveryClaimWhoseFirstAnswerWasLostStillRecoversWithoutRunningTheNode() {
        var executions = new AtomicInteger();
        var counting = Runtime.of("count", context -> {
            executions.incrementAndGet();
            return Result.success("ran");
        });
        var runId = start(Specs.single(task("x", "count").retry("error", 2)));
        // Another agent claimed x and died: x is orphaned before this pool starts.
        assertThat(repository.claimNode(runId, "x", new Claim("elsewhere")).claimed())
                .isTrue();
        io.adagio.memory.MemoryLiveness.orphan(repository, runId, "x");
        var lossy = new ForwardingRepository(repository) {
            final AtomicInteger lost = new AtomicInteger(1);

            @Override
            public ClaimResult claimNode(String run, String nodeName, Claim claim) {
                var result = inner.claimNode(run, nodeName, claim);
                if (result.claimed() && lost.getAndDecrement() > 0) {
                    throw new RepositoryException.Unavailable("connection reset after the write");
                }
                return result;
            }
        };
        var pool = startPool(b -> b.repository(lossy)
                .agentCount(1)
                .runtime(counting)
                .unavailableBackoff(Duration.ofMillis(5), Duration.ofMillis(20)));

        var x = node(awaitCompleted(runId), "x");

        assertThat(lossy.lost.get()).as("the first answer was lost").isNegative();
        assertThat(x.attempts())
                .extracting(Result::conclusion, Result::outputText)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Conclusion.ERROR, Protocol.ORPHANED_OUTPUT),
                        org.assertj.core.groups.Tuple.tuple(Conclusion.SUCCESS, "ran"));
        assertThat(executions).as("only the retry ran").hasValue(1);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 0, 1, 0));
    }
}
