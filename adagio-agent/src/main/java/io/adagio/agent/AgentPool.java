package io.adagio.agent;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.agent.runtime.ArgumentException;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.Durations;
import io.adagio.agent.runtime.Runtime;
import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of agents in one process: subscribes once to the repository (one {@link Agent} with all
 * its runtimes, for NODE_READY and NODE_ORPHANED) and runs {@code agentCount} workers, each
 * claiming and executing one node at a time. A worker takes an event only when it is free, so
 * work it cannot take now stays available to idle agents elsewhere.
 *
 * <pre>{@code
 * try (var pool = AgentPool.builder().repository(repository).agentCount(8).start()) {
 *     ...
 * } // graceful shutdown
 * }</pre>
 *
 * <p>Per claimed node: an orphaned node (its previous claim was lost) is finished with an ERROR
 * attempt "{@value Protocol#ORPHANED_OUTPUT}" without executing it; otherwise the runtime's
 * arguments are read, its function runs, and its result is recorded. A missing or malformed
 * argument, or anything the runtime throws, is recorded as an ERROR attempt saying what went
 * wrong. The repository refusing a claim or finish (not ready, stale claim, not found) is logged
 * and skipped; an unavailable repository is retried with backoff.
 *
 * <p>When recording a result takes a while (a remote repository: a round trip or more), it is
 * recorded in the background while its worker takes its next node (at most one result in flight
 * per worker), so the round trip overlaps the next claim instead of adding to every node's
 * hand-over. A quick repository (in memory) is not worth the hand-off: results are recorded in
 * line while recording takes less than {@link Builder#backgroundRecordingThreshold(Duration)} on
 * average. {@link Builder#recordInBackground(boolean)} turns it off.
 *
 * <p>{@link #close()} shuts down gracefully (DESIGN §6): stop claiming, let running nodes finish
 * within the grace period, then tell the rest to stop (interrupt, cancellation actions) and record
 * them as ERROR "{@value #SHUTDOWN_OUTPUT}" so their retry rules apply, then unsubscribe.
 */
public final class AgentPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** The output recorded for a node still running when the grace period ran out. */
    public static final String SHUTDOWN_OUTPUT = "agent shut down";
    /** Why a running node is told to stop when the repository ended the pool's subscription. */
    public static final String LOST_REGISTRATION = "agent lost its registration with the repository";
    /** Claim metadata key: the id of the agent holding the claim. */
    public static final String CLAIM_AGENT_KEY = "adagio.agent.id";
    /** Result metadata key of an ERROR caused by an argument: the argument's name. */
    public static final String ARGUMENT_KEY = "adagio.error.argument";
    /** Result metadata key of an ERROR caused by an exception: its class name. */
    public static final String EXCEPTION_KEY = "adagio.error.exception";

    public static final int DEFAULT_AGENT_COUNT = 5;
    public static final Duration DEFAULT_SHUTDOWN_GRACE_PERIOD = Duration.ofSeconds(10);

    /** How long a worker waits for an event before looking at the pool's state again. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private enum State {
        NEW,
        RUNNING,
        DRAINING,
        CANCELLING,
        STOPPED
    }

    private final Repository repository;
    private final RuntimeRegistry runtimes;
    private final String agentId;
    private final int agentCount;
    private final Duration gracePeriod;
    private final Duration cancellationTimeout;
    private final Duration backoffInitial;
    private final Duration backoffMax;
    private final boolean recordInBackground;
    private final long backgroundThresholdNanos;
    /** Moving average of how long recording a result takes (racy updates are fine: it is a hint). */
    private volatile long recordingNanos;
    /** Records results while their workers go on (virtual threads: recording only waits on I/O). */
    private final ExecutorService recorders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("adagio-agent-record-", 0).factory());

    private final Set<CompletableFuture<Void>> recordings = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private volatile State state = State.NEW; // written under lock
    private Subscription subscription; // guarded by lock
    private final List<Thread> workers = new ArrayList<>();
    private Thread watcher;
    private final Set<Execution> running = ConcurrentHashMap.newKeySet();
    /** Counted down when shutdown starts, to cut short the backoff of claims and subscribes. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** Once shutdown set it: the nanotime after which an unavailable repository is no longer retried. */
    private volatile long giveUpAt;

    private volatile boolean giveUpSet;

    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder errored = new LongAdder();
    private final LongAdder orphansRecovered = new LongAdder();
    private final LongAdder resultsDropped = new LongAdder();

    private AgentPool(Builder b) {
        this.repository = Objects.requireNonNull(b.repository, "repository");
        var registry = b.runtimes != null ? b.runtimes : RuntimeRegistry.discover();
        for (var r : b.added) {
            registry = registry.with(r);
        }
        if (registry.isEmpty()) {
            throw new IllegalArgumentException("an agent pool needs at least one runtime");
        }
        this.runtimes = registry;
        this.agentId = b.agentId != null ? b.agentId : defaultAgentId();
        this.agentCount = b.agentCount;
        this.gracePeriod = b.shutdownGracePeriod;
        this.cancellationTimeout = b.cancellationTimeout;
        this.backoffInitial = b.backoffInitial;
        this.backoffMax = b.backoffMax;
        this.recordInBackground = b.recordInBackground;
        this.backgroundThresholdNanos = b.backgroundThreshold.toNanos();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Subscribes and starts the workers.
     *
     * @throws RepositoryException when the subscription is refused (for example, unavailable)
     * @throws IllegalStateException when already started
     */
    public AgentPool start() {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("agent pool " + agentId + " was already started (or closed)");
            }
            subscription = subscribe();
            state = State.RUNNING;
            for (int i = 0; i < agentCount; i++) {
                var worker =
                        Thread.ofPlatform().daemon().name("adagio-agent-" + i).unstarted(this::work);
                workers.add(worker);
            }
            watcher = Thread.ofPlatform().daemon().name("adagio-agent-watch").unstarted(this::watchSubscription);
            workers.forEach(Thread::start);
            watcher.start();
        }
        log.info("agent {} started with {} workers, runtimes {}", agentId, agentCount, runtimes.names());
        return this;
    }

    public String agentId() {
        return agentId;
    }

    public int agentCount() {
        return agentCount;
    }

    /** The names of the runtimes this pool executes, sorted. */
    public Set<String> runtimeNames() {
        return runtimes.names();
    }

    /** The number of nodes claimed here whose result is not recorded yet. */
    public int runningCount() {
        return running.size();
    }

    /** Whether the pool is claiming work (started and not shutting down). */
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    public ExecutionCounts counts() {
        return new ExecutionCounts(
                succeeded.sum(), failed.sum(), errored.sum(), orphansRecovered.sum(), resultsDropped.sum());
    }

    /** Waits until {@link #close()} has finished (from any thread); false on timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (state != State.STOPPED) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    // ---------------------------------------------------------------- workers

    /** A worker's result being recorded in the background, if any: it waits for it before handing over the next. */
    private static final class Slot {
        CompletableFuture<Void> recording = CompletableFuture.completedFuture(null);
    }

    private void work() {
        var slot = new Slot();
        while (true) {
            Subscription sub;
            synchronized (lock) {
                if (state != State.RUNNING) {
                    return;
                }
                sub = subscription;
            }
            try {
                if (sub.isClosed()) {
                    awaitRenewal(sub);
                    continue;
                }
                var event = sub.poll(POLL_INTERVAL);
                // An event dropped here is only a hint: every other subscriber had its own copy, and
                // a new subscriber is told about every node that is ready.
                if (event.isPresent() && state == State.RUNNING) {
                    handle(event.get(), sub, slot);
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts a worker; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error in a worker, carrying on", agentId, t);
            }
        }
    }

    private void handle(Event event, Subscription sub, Slot slot) throws InterruptedException {
        var spec = event.node();
        var runId = event.runId();
        var runtime = runtimes.get(spec.runtime()).orElse(null);
        if (runtime == null) {
            log.trace("skipping node {} of run {}: no runtime \"{}\" here", spec.name(), runId, spec.runtime());
            return;
        }
        var claim = new Claim(UlidCreator.getMonotonicUlid().toString(), Map.of(CLAIM_AGENT_KEY, List.of(agentId)));
        ClaimResult claimed;
        try {
            claimed = retrying(
                    "claim node \"" + spec.name() + "\" of run " + runId,
                    () -> repository.claimNode(runId, spec.name(), claim),
                    () -> state == State.RUNNING,
                    true);
        } catch (RepositoryException.NotReady e) {
            log.debug("not claiming: {}", e.getMessage());
            return;
        } catch (RepositoryException e) {
            log.warn("could not claim node \"{}\" of run {}: {}", spec.name(), runId, e.getMessage());
            return;
        }
        if (claimed == null) {
            return; // shutting down while the repository was unavailable
        }
        // A retried claim whose first try succeeded unseen reports claimed=false but holds our claim.
        boolean ours = claimed.claimed() || holds(claimed.node(), claim);
        if (!ours) {
            log.trace("node {} of run {} was taken by another agent", spec.name(), runId);
            return;
        }
        // If that unseen claim recovered an orphan we cannot tell any more; an orphan event says it
        // probably did, and not executing is the choice that never runs an attempt twice.
        boolean orphan = claimed.orphanRecovery() || (!claimed.claimed() && event.type() == Event.Type.NODE_ORPHANED);
        var execution = new Execution(runId, claimed.node(), claim, agentId, Thread.currentThread(), sub);
        boolean tooLate;
        synchronized (lock) {
            running.add(execution);
            tooLate = state == State.CANCELLING || state == State.STOPPED;
        }
        boolean handedOver = false;
        try {
            log.debug(
                    "claimed node \"{}\" of run {} (attempt {}{})",
                    spec.name(),
                    runId,
                    claimed.node().attempts().size() + 1,
                    orphan ? ", orphaned" : "");
            Result result;
            if (orphan) {
                result = Result.error(Protocol.ORPHANED_OUTPUT);
            } else if (tooLate) {
                result = Result.error(SHUTDOWN_OUTPUT);
            } else {
                result = invoke(runtime, execution);
            }
            // From here on no stop signal meant for the runtime reaches this thread, and any that
            // came must not disturb recording.
            execution.runtimeReturned();
            if (execution.takeReport()) {
                if (recordInBackground && recordingNanos >= backgroundThresholdNanos) {
                    awaitRecording(slot);
                    var recording = new CompletableFuture<Void>();
                    recordings.add(recording);
                    try {
                        recorders.execute(() -> {
                            try {
                                record(execution, result, orphan);
                            } finally {
                                running.remove(execution);
                                execution.finished();
                                recordings.remove(recording);
                                recording.complete(null);
                            }
                        });
                        slot.recording = recording;
                        handedOver = true;
                    } catch (RejectedExecutionException e) {
                        // Shutdown already stopped the recorders: this one is recorded here.
                        recordings.remove(recording);
                        recording.complete(null);
                        record(execution, result, orphan);
                    }
                } else {
                    record(execution, result, orphan);
                }
            } else {
                log.debug(
                        "{}: result {} discarded, shutdown recorded the attempt",
                        execution.describe(),
                        result.conclusion());
            }
        } finally {
            if (!handedOver) {
                running.remove(execution);
                execution.finished();
            }
            Thread.interrupted();
        }
    }

    /** Waits for the worker's previous result to be recorded: at most one in flight per worker. */
    private static void awaitRecording(Slot slot) {
        boolean interrupted = false;
        while (true) {
            try {
                slot.recording.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // recording ends by itself (record() gives up when shut down)
            } catch (ExecutionException e) {
                break; // record() does not throw; nothing to wait for
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean holds(Node node, Claim claim) {
        return node.claim() != null && claim.id().equals(node.claim().id());
    }

    /** Runs the runtime for one attempt; never throws. */
    private Result invoke(Runtime runtime, Execution execution) {
        try {
            var function = runtime.create(Arguments.parse(runtime, execution.node));
            if (function == null) {
                return Result.error("runtime \"" + runtime.name() + "\" created no function");
            }
            var result = function.run(execution.context);
            if (result == null || result.conclusion() == Conclusion.NONE) {
                return Result.error("runtime \"" + runtime.name() + "\" returned no conclusion");
            }
            return result;
        } catch (ArgumentException e) {
            return errorResult(e.getMessage(), Map.of(ARGUMENT_KEY, List.of(e.argument())));
        } catch (InterruptedException e) {
            return Result.error(execution.cancellation.reason().orElse("interrupted"));
        } catch (Throwable t) {
            // Whatever a runtime does, the worker survives and the attempt is recorded.
            log.warn("runtime \"{}\" threw on {}: {}", runtime.name(), execution.describe(), t.toString());
            log.debug("stack trace", t);
            var message = t.getMessage() == null || t.getMessage().isBlank()
                    ? t.getClass().getName()
                    : t.getMessage();
            return errorResult(
                    message, Map.of(EXCEPTION_KEY, List.of(t.getClass().getName())));
        }
    }

    private static Result errorResult(String output, Map<String, List<String>> metadata) {
        return new Result(Conclusion.ERROR, metadata, output.getBytes(StandardCharsets.UTF_8));
    }

    /** Finishes the node with {@code result}; refusals are logged, never thrown. */
    private void record(Execution execution, Result result, boolean orphanRecovery) {
        long began = System.nanoTime();
        try {
            recordOnce(execution, result, orphanRecovery);
        } finally {
            long took = System.nanoTime() - began;
            recordingNanos = recordingNanos - (recordingNanos >> 3) + (took >> 3);
        }
    }

    private void recordOnce(Execution execution, Result result, boolean orphanRecovery) {
        var tries = new java.util.concurrent.atomic.AtomicInteger();
        try {
            retrying(
                    "record the result of " + execution.describe(),
                    () -> {
                        tries.incrementAndGet();
                        return repository.finishNode(execution.runId, execution.node.name(), result, execution.claim);
                    },
                    () -> !giveUpSet || System.nanoTime() - giveUpAt < 0,
                    false);
        } catch (RepositoryException.StaleClaim e) {
            // A try that went unanswered (unavailable) may have applied: then the retry finds its own
            // attempt already recorded and the claim released, which is success, not a stale claim.
            if (tries.get() > 1 && attemptRecorded(execution, result)) {
                log.debug(
                        "{}: result {} was recorded by an earlier try whose answer was lost",
                        execution.describe(),
                        result.conclusion());
            } else {
                resultsDropped.increment();
                log.info(
                        "{}: result {} dropped, the claim no longer holds the node (it was orphaned meanwhile)",
                        execution.describe(),
                        result.conclusion());
                return;
            }
        } catch (RepositoryException e) {
            resultsDropped.increment();
            log.warn("could not record the result of {}: {}", execution.describe(), e.getMessage());
            return;
        } catch (InterruptedException e) {
            resultsDropped.increment();
            log.warn("gave up recording the result of {}: interrupted", execution.describe());
            Thread.currentThread().interrupt();
            return;
        }
        if (orphanRecovery) {
            orphansRecovered.increment();
        } else {
            switch (result.conclusion()) {
                case SUCCESS -> succeeded.increment();
                case FAIL -> failed.increment();
                case ERROR -> errored.increment();
                case NONE -> {}
            }
        }
        log.debug("finished node \"{}\" of run {}: {}", execution.node.name(), execution.runId, result.conclusion());
    }

    /**
     * Whether the node holds the attempt this execution reported: completed under its claim, or
     * with the attempt after those it had when claimed equal to {@code result}. (An orphaned-attempt
     * report may match another agent's identical one; either way that attempt is recorded once.)
     */
    private boolean attemptRecorded(Execution execution, Result result) {
        Node now;
        try {
            now = repository
                    .inspectRun(execution.runId)
                    .node(execution.node.name())
                    .orElse(null);
        } catch (RepositoryException e) {
            log.debug("cannot tell whether {} was recorded: {}", execution.describe(), e.getMessage());
            return false;
        }
        if (now == null) {
            return false;
        }
        if (now.status() == io.adagio.core.model.NodeStatus.COMPLETED && holds(now, execution.claim)) {
            return true;
        }
        int before = execution.node.attempts().size();
        return now.attempts().size() > before && now.attempts().get(before).equals(result);
    }

    /**
     * Runs {@code operation}, retrying while the repository is unavailable and {@code keepTrying}
     * holds. Returns null when it stopped trying because of shutdown.
     */
    private <T> T retrying(String what, Supplier<T> operation, BooleanSupplier keepTrying, boolean stopOnShutdown)
            throws InterruptedException {
        var delay = backoffInitial;
        while (true) {
            try {
                return operation.get();
            } catch (RepositoryException.Retryable e) {
                if (!keepTrying.getAsBoolean()) {
                    if (stopOnShutdown) {
                        log.debug("not retrying to {}: shutting down", what);
                        return null;
                    }
                    throw e;
                }
                log.warn(
                        "could not {}: repository unavailable ({}); retrying in {}",
                        what,
                        e.getMessage(),
                        Durations.format(delay));
                if (stopOnShutdown) {
                    stopping.await(delay.toNanos(), TimeUnit.NANOSECONDS);
                } else {
                    Thread.sleep(delay);
                }
                delay = delay.multipliedBy(2).compareTo(backoffMax) > 0 ? backoffMax : delay.multipliedBy(2);
            }
        }
    }

    private Subscription subscribe() {
        return repository.subscribe(
                new Agent(agentId, List.copyOf(runtimes.names())),
                EnumSet.of(Event.Type.NODE_READY, Event.Type.NODE_ORPHANED));
    }

    /**
     * Watches the subscription: a backend ends it when it lost the agent's liveness (its lease).
     * Checking a flag a few times a second costs nothing and notices it even while every worker is busy.
     */
    private void watchSubscription() {
        while (state == State.RUNNING) {
            try {
                Subscription sub;
                synchronized (lock) {
                    sub = subscription;
                }
                if (sub.isClosed()) {
                    renewSubscription(sub);
                } else {
                    stopping.await(POLL_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error watching the subscription, carrying on", agentId, t);
            }
        }
    }

    private void renewSubscription(Subscription closed) throws InterruptedException {
        // The claims made under the old subscription are gone and their nodes will be recovered
        // elsewhere: stop working on them rather than run alongside their retry.
        for (var execution : running) {
            if (execution.subscription == closed) {
                log.warn("agent {}: stopping {}, its claim went with the subscription", agentId, execution.describe());
                execution.cancel(LOST_REGISTRATION);
            }
        }
        log.warn("agent {}: the repository ended its subscription; subscribing again", agentId);
        Subscription fresh = null;
        var delay = backoffInitial;
        while (fresh == null && state == State.RUNNING) {
            try {
                fresh = subscribe();
            } catch (RepositoryException e) {
                log.warn(
                        "agent {}: could not subscribe ({}); retrying in {}",
                        agentId,
                        e.getMessage(),
                        Durations.format(delay));
                stopping.await(delay.toNanos(), TimeUnit.NANOSECONDS);
                delay = delay.multipliedBy(2).compareTo(backoffMax) > 0 ? backoffMax : delay.multipliedBy(2);
            }
        }
        synchronized (lock) {
            if (fresh != null) {
                if (state == State.RUNNING) {
                    subscription = fresh;
                } else {
                    fresh.close(); // shutting down meanwhile; close() has the old one
                }
            }
            lock.notifyAll();
        }
    }

    /** Waits (releasing the lock) until the watcher replaced a closed subscription or the pool stops. */
    private void awaitRenewal(Subscription closed) throws InterruptedException {
        synchronized (lock) {
            while (subscription == closed && state == State.RUNNING) {
                lock.wait(POLL_INTERVAL.toMillis());
            }
        }
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Shuts down gracefully and waits until done: stop claiming; let running nodes finish within
     * the grace period; then stop the rest and record them as ERROR "{@value #SHUTDOWN_OUTPUT}";
     * then unsubscribe. Calling it again, or from several threads, waits for the same shutdown.
     */
    @Override
    public void close() {
        synchronized (lock) {
            switch (state) {
                case NEW -> {
                    state = State.STOPPED;
                    lock.notifyAll();
                    return;
                }
                case RUNNING -> {
                    state = State.DRAINING;
                    lock.notifyAll();
                }
                default -> {
                    waitUninterruptiblyForStop();
                    return;
                }
            }
        }
        boolean interrupted = false;
        try {
            shutdown();
        } catch (InterruptedException e) {
            interrupted = true;
            log.warn("agent {}: interrupted while shutting down; stopping at once", agentId);
        } finally {
            Subscription sub;
            synchronized (lock) {
                state = State.STOPPED;
                sub = subscription;
                lock.notifyAll();
            }
            if (sub != null) {
                sub.close();
            }
            log.info("agent {} stopped; {}", agentId, counts());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void shutdown() throws InterruptedException {
        stopping.countDown();
        long start = System.nanoTime();
        long graceEnd = start + gracePeriod.toNanos();
        giveUpAt = graceEnd + cancellationTimeout.toNanos() * 2;
        giveUpSet = true;
        if (!running.isEmpty()) {
            log.info(
                    "agent {} stopping: {} node(s) running, waiting up to {} for them",
                    agentId,
                    running.size(),
                    Durations.format(gracePeriod));
        }
        while (true) {
            var anyRunning = running.stream().findFirst();
            long left = graceEnd - System.nanoTime();
            if (anyRunning.isEmpty() || left <= 0) {
                break;
            }
            anyRunning.get().awaitDone(Duration.ofNanos(left));
        }
        List<Execution> leftovers;
        synchronized (lock) {
            state = State.CANCELLING;
            leftovers = List.copyOf(running);
        }
        var stopped = leftovers.stream().filter(Execution::takeReport).toList();
        for (var execution : stopped) {
            log.info("agent {}: stopping {}, still running after the grace period", agentId, execution.describe());
            execution.cancel(SHUTDOWN_OUTPUT);
        }
        long cancelEnd = System.nanoTime() + cancellationTimeout.toNanos();
        for (var execution : stopped) {
            // Record only once the runtime has stopped (its child processes are dead) if it does so in
            // time, so a retry elsewhere does not overlap with this attempt.
            if (!execution.awaitDone(Duration.ofNanos(cancelEnd - System.nanoTime()))) {
                log.warn(
                        "agent {}: {} did not stop within {} of being told to; recording it anyway",
                        agentId,
                        execution.describe(),
                        Durations.format(cancellationTimeout));
            }
            record(execution, Result.error(SHUTDOWN_OUTPUT), false);
        }
        // Results still being recorded in the background: recorded (or given up, see giveUpAt) before
        // the subscription goes, like every other attempt.
        try {
            CompletableFuture.allOf(recordings.toArray(CompletableFuture[]::new))
                    .get(
                            Math.max(1, giveUpAt + cancellationTimeout.toNanos() - System.nanoTime()),
                            TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("agent {}: {} result(s) still being recorded after shutdown", agentId, recordings.size());
        }
        recorders.shutdown();
        // The watcher first (shutdown woke it), so that it cannot take the unsubscribe below for a lost
        // registration. Then, every attempt finished or recorded, unsubscribe: that also wakes the idle
        // workers waiting for an event, so they end at once instead of at their next poll timeout.
        var threads = new ArrayList<Thread>();
        threads.add(watcher);
        threads.addAll(workers);
        if (!watcher.join(
                Duration.ofNanos(Math.max(1, cancelEnd + cancellationTimeout.toNanos() - System.nanoTime())))) {
            log.warn("agent {}: {} is still busy after shutdown", agentId, watcher.getName());
        }
        Subscription sub;
        synchronized (lock) {
            sub = subscription;
        }
        if (sub != null) {
            sub.close();
        }
        for (var worker : threads) {
            long left = cancelEnd + cancellationTimeout.toNanos() - System.nanoTime();
            if (!worker.join(Duration.ofNanos(Math.max(1, left)))) {
                log.warn("agent {}: worker {} is still busy after shutdown", agentId, worker.getName());
            }
        }
    }

    private void waitUninterruptiblyForStop() {
        boolean interrupted = false;
        while (state != State.STOPPED) {
            try {
                lock.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static String defaultAgentId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        // host and pid say where the agent runs; the random tail keeps two pools of one process apart.
        var random = UlidCreator.getUlid().toString();
        return host + "-" + ProcessHandle.current().pid() + "-"
                + random.substring(random.length() - 6).toLowerCase();
    }

    @Override
    public String toString() {
        return "AgentPool[" + agentId + ", " + agentCount + " workers, runtimes " + runtimes.names() + ", " + state
                + "]";
    }

    /** Configures an {@link AgentPool}; only the repository is required. */
    public static final class Builder {
        private Repository repository;
        private int agentCount = DEFAULT_AGENT_COUNT;
        private RuntimeRegistry runtimes;
        private final List<Runtime> added = new ArrayList<>();
        private String agentId;
        private Duration shutdownGracePeriod = DEFAULT_SHUTDOWN_GRACE_PERIOD;
        private Duration cancellationTimeout = Duration.ofSeconds(5);
        private Duration backoffInitial = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(5);
        private boolean recordInBackground = true;
        private Duration backgroundThreshold = Duration.of(200, java.time.temporal.ChronoUnit.MICROS);

        private Builder() {}

        /**
         * Whether a worker may take its next node while its last result is being recorded (default
         * true; see {@link #backgroundRecordingThreshold}). Off, a worker records each result before
         * it takes the next node.
         */
        public Builder recordInBackground(boolean on) {
            this.recordInBackground = on;
            return this;
        }

        /**
         * Results are recorded in the background once recording one takes at least this long on
         * average (default 200 µs: a network round trip does, an in-memory repository does not);
         * {@link Duration#ZERO} always.
         */
        public Builder backgroundRecordingThreshold(Duration threshold) {
            this.backgroundThreshold = nonNegative(threshold, "background recording threshold");
            return this;
        }

        public Builder repository(Repository repository) {
            this.repository = Objects.requireNonNull(repository, "repository");
            return this;
        }

        /** How many nodes the pool executes at once (default 5). */
        public Builder agentCount(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("agent count must be at least 1, got " + count);
            }
            this.agentCount = count;
            return this;
        }

        /** Exactly these runtimes, instead of those found on the class path. */
        public Builder runtimes(Collection<? extends Runtime> runtimes) {
            this.runtimes = RuntimeRegistry.of(runtimes);
            return this;
        }

        public Builder runtimes(RuntimeRegistry runtimes) {
            this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
            return this;
        }

        /** One more runtime, on top of the others; it replaces one of the same name. */
        public Builder runtime(Runtime runtime) {
            added.add(Objects.requireNonNull(runtime, "runtime"));
            return this;
        }

        /** The id shown in ListAgents and written into claims (default: host, pid and a random tail). */
        public Builder agentId(String id) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("agent id must not be empty");
            }
            this.agentId = id;
            return this;
        }

        /** How long shutdown lets running nodes finish before stopping them (default 10s). */
        public Builder shutdownGracePeriod(Duration grace) {
            this.shutdownGracePeriod = nonNegative(grace, "shutdown grace period");
            return this;
        }

        /** How long shutdown waits for a node told to stop before recording it anyway (default 5s). */
        public Builder cancellationTimeout(Duration timeout) {
            this.cancellationTimeout = nonNegative(timeout, "cancellation timeout");
            return this;
        }

        /** The first and the longest pause between retries while the repository is unavailable. */
        public Builder unavailableBackoff(Duration initial, Duration max) {
            if (nonNegative(initial, "initial backoff").isZero()
                    || nonNegative(max, "maximum backoff").compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        public AgentPool build() {
            return new AgentPool(this);
        }

        /** Builds and {@linkplain AgentPool#start() starts} the pool. */
        public AgentPool start() {
            return build().start();
        }

        private static Duration nonNegative(Duration d, String what) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
