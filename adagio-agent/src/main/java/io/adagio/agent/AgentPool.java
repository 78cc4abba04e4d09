package io.adagio.agent;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.agent.runtime.Runtime;
import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
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
 * and skipped; an unavailable or busy repository is retried with backoff; a record the store cannot
 * read, or refused credentials, ends that claim or result with an ERROR line (retrying cannot mend
 * them). If the repository ends the pool's subscription and then refuses a new one for good, the
 * pool stops by itself ({@link #awaitTermination}).
 *
 * <p>When recording a result takes a while (a remote repository: a round trip or more), it is
 * recorded in the background while its worker takes its next node (at most one result in flight
 * per worker), so the round trip overlaps the next claim instead of adding to every node's
 * hand-over. A quick repository (in memory) is not worth the hand-off: results are recorded in
 * line while recording typically (the median of recent results) takes less than {@link
 * Builder#backgroundRecordingThreshold(Duration)}. {@link Builder#recordInBackground(boolean)} turns it off.
 *
 * <p>A worker that has no other work waiting records its success itself, and its finish claims for
 * it a node the finish makes ready (one that a runtime here performs), which it runs next: a chain
 * runs on one worker with one repository step per node, and its next node waits for no event and
 * no claim ({@link Builder#claimNext(boolean)}).
 *
 * <p>Run control: a node whose run is cancelled while it runs here is told at once (a NODE_CANCELLED
 * event from the store's change notification), its runtime interrupted (an exec program's process
 * group gets SIGTERM, then SIGKILL) and its attempt recorded CANCELLED. A node with a
 * {@code timeout} is stopped the same way when it runs longer and recorded ERROR "timed out after
 * ..." so its {@code error} retry rule applies. A runtime that ignores being told to stop is given
 * {@link Builder#cancellationTimeout} and then recorded anyway, its worker slot taken by a new worker
 * (the thread it holds is abandoned, logged once). A retry waiting out its backoff is claimed when
 * due, by a timer, never by asking the repository again and again.
 *
 * <p>{@link #close()} shuts down gracefully: stop claiming, let running nodes finish within the
 * grace period, then tell the rest to stop (interrupt, cancellation actions) and record them as
 * ERROR "{@value #SHUTDOWN_OUTPUT}" so their retry rules apply, then unsubscribe.
 *
 * <p>The parts: {@link Dispatcher} (reads the subscription), {@link Worker} (one per agent: the
 * loop), {@link Claimer}, {@link RuntimeInvoker}, {@link ResultRecorder} and {@link
 * BackgroundRecording}, {@link Watchdog} (cancels, timeouts, runtimes that do not stop), {@link
 * DueEvents} (backoff timers), {@link Registration} (the subscription and its renewal), {@link
 * Shutdown}, with {@link Lifecycle}, {@link InFlight} and one {@link Backoff}.
 */
public final class AgentPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** The output recorded for a node still running when the grace period ran out. */
    public static final String SHUTDOWN_OUTPUT = "agent shut down";
    /** Why a running node is told to stop when the repository ended the pool's subscription. */
    public static final String LOST_REGISTRATION = "agent lost its registration with the repository";
    /** Claim metadata key: the id of the agent holding the claim ({@link io.adagio.core.model.Claim#AGENT_KEY}). */
    public static final String CLAIM_AGENT_KEY = io.adagio.core.model.Claim.AGENT_KEY;
    /** Result metadata key of an ERROR caused by an argument: the argument's name. */
    public static final String ARGUMENT_KEY = "adagio.error.argument";
    /** Result metadata key of an ERROR caused by an exception: its class name. */
    public static final String EXCEPTION_KEY = "adagio.error.exception";

    public static final int DEFAULT_AGENT_COUNT = 5;
    public static final Duration DEFAULT_SHUTDOWN_GRACE_PERIOD = Duration.ofSeconds(10);

    private final RuntimeRegistry runtimes;
    private final String agentId;
    private final int agentCount;
    private final Lifecycle lifecycle = new Lifecycle();
    private final InFlight inFlight = new InFlight();
    private final ResultRecorder recorder;
    private final BackgroundRecording background;
    private final Registration registration;
    private final Claimer claimer;
    private final Shutdown shutdown;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("adagio-agent-timer").factory());
    private final BlockingQueue<Event> work = new LinkedBlockingQueue<>();
    private final Watchdog watchdog;
    private final DueEvents due;
    private final EventRouter router;
    private final Worker.Crew crew;
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final AtomicInteger workerNumber = new AtomicInteger();
    private Thread dispatcher;

    private AgentPool(Builder b) {
        var repository = Objects.requireNonNull(b.repository, "repository");
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
        this.recorder = new ResultRecorder(repository, b.backoff);
        this.background = new BackgroundRecording(recorder, inFlight, b.recordInBackground, b.backgroundThreshold);
        this.registration = new Registration(
                repository,
                new Agent(agentId, List.copyOf(runtimes.names())),
                b.backoff,
                lifecycle,
                inFlight,
                () -> Thread.ofPlatform().name("adagio-agent-stop").start(this::close));
        this.claimer = new Claimer(repository, b.backoff, lifecycle, agentId, runtimes.names());
        this.shutdown = new Shutdown(
                agentId, b.shutdownGracePeriod, b.cancellationTimeout, inFlight, recorder, background, registration);
        this.watchdog = new Watchdog(agentId, timer, inFlight, b.cancellationTimeout, this::abandon);
        this.due = new DueEvents(timer, b.clock, work::offer);
        this.router = new EventRouter(runtimes, watchdog, due);
        this.crew = new Worker.Crew(
                agentId,
                runtimes,
                lifecycle,
                registration,
                work,
                claimer,
                inFlight,
                watchdog,
                due,
                router,
                b.claimNext);
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
        lifecycle.start(
                () -> {
                    registration.start();
                    dispatcher = Thread.ofPlatform()
                            .daemon()
                            .name("adagio-agent-events")
                            .unstarted(new Dispatcher(agentId, lifecycle, registration, work, router));
                    var unstarted = new ArrayList<Thread>();
                    for (int i = 0; i < agentCount; i++) {
                        unstarted.add(newWorker());
                    }
                    workers.addAll(unstarted);
                    unstarted.forEach(Thread::start);
                    dispatcher.start();
                    registration.startWatching();
                },
                "agent pool " + agentId);
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
        return inFlight.size();
    }

    /** Whether the pool is claiming work (started and not shutting down). */
    public boolean isRunning() {
        return lifecycle.isRunning();
    }

    /** What the pool has recorded so far. */
    public ExecutionCounts counts() {
        return recorder.counts();
    }

    /** Waits until the pool has stopped ({@link #close()} finished, from any thread); false on timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return lifecycle.awaitStopped(timeout);
    }

    /**
     * Shuts down gracefully and waits until done: stop claiming; let running nodes finish within
     * the grace period; then stop the rest and record them as ERROR "{@value #SHUTDOWN_OUTPUT}";
     * then unsubscribe. Calling it again, or from several threads, waits for the same shutdown.
     */
    @Override
    public void close() {
        switch (lifecycle.requestStop()) {
            case NOTHING_TO_DO -> {
                return;
            }
            case BY_ANOTHER -> {
                lifecycle.awaitStoppedUninterruptibly();
                return;
            }
            case BY_CALLER -> {}
        }
        boolean interrupted = false;
        try {
            timer.shutdownNow(); // backoff timers and timeouts: nothing more is claimed or stopped by time
            if (dispatcher != null) {
                dispatcher.interrupt();
            }
            shutdown.run(workers);
        } catch (InterruptedException e) {
            interrupted = true;
            log.warn("agent {}: interrupted while shutting down; stopping at once", agentId);
        } finally {
            registration.close();
            lifecycle.stopped();
            log.info("agent {} stopped; {}", agentId, counts());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Thread newWorker() {
        var worker = new Worker(crew, background.lane());
        return Thread.ofPlatform()
                .daemon()
                .name("adagio-agent-" + workerNumber.getAndIncrement())
                .unstarted(worker);
    }

    /**
     * A stopped runtime did not return in time: its attempt is recorded now, and a new worker takes the
     * slot of the one whose thread it holds (which ends when the runtime returns, if ever).
     */
    private void abandon(Watchdog.Abandoned abandoned) {
        var execution = abandoned.execution();
        execution.worker.retire();
        workers.removeIf(t -> t.getName().equals(execution.worker.threadName()));
        if (lifecycle.isRunning()) {
            var replacement = newWorker();
            workers.add(replacement);
            replacement.start();
        }
        Thread.ofVirtual().name("adagio-agent-abandoned-record").start(() -> {
            try {
                recorder.record(execution, abandoned.stop().result(null), false);
            } finally {
                inFlight.release(execution);
            }
        });
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
                + random.substring(random.length() - 6).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "AgentPool[" + agentId + ", " + agentCount + " workers, runtimes " + runtimes.names() + ", " + lifecycle
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
        private Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        private boolean recordInBackground = true;
        private boolean claimNext = true;
        private Duration backgroundThreshold = Duration.of(200, ChronoUnit.MICROS);
        private InstantSource clock = InstantSource.system();

        private Builder() {}

        /**
         * The clock backoff times are compared with (default: the system's); the repository's clock
         * decides, this one only says when to ask.
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

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
         * Whether a worker with no other work waiting has its finish claim, in the same step, a node
         * the finish makes ready, and runs it next (default true): the next node of a chain starts
         * without waiting for its NODE_READY event and a claim of its own
         * ({@link Repository#finishAndClaim}). A worker with work waiting and results recorded in line
         * takes its next event before the finish, which claims that event's node too. Off, every node is
         * claimed from its event.
         */
        public Builder claimNext(boolean on) {
            this.claimNext = on;
            return this;
        }

        /**
         * Results are recorded in the background once recording one typically takes at least
         * this long (the median of recent results; default 200 µs: a network round trip does, an in-memory repository does not);
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

        /**
         * How long a node told to stop (its run cancelled, its timeout reached, the pool shutting down)
         * is waited for before it is recorded anyway and its worker replaced (default 5s). Longer than
         * the exec runtime's kill grace, so that a program gets its SIGKILL first.
         */
        public Builder cancellationTimeout(Duration timeout) {
            this.cancellationTimeout = nonNegative(timeout, "cancellation timeout");
            return this;
        }

        /**
         * The first and the longest pause between retries while the repository is unavailable
         * (default 100 ms, doubling up to 5 s).
         */
        public Builder unavailableBackoff(Duration initial, Duration max) {
            this.backoff = new Backoff(nonNegative(initial, "initial backoff"), nonNegative(max, "maximum backoff"));
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
