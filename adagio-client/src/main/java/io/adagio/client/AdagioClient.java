package io.adagio.client;

import io.adagio.client.AdagioClientException.Code;
import io.adagio.core.model.Agent;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Timestamps;
import io.adagio.proto.controlplane.CancelRequest;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.RerunRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.wire.WireMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A client of the Adagio control plane: start runs, inspect and list them, read stats and agents,
 * and wait for a run to complete. Results are the domain records of {@code io.adagio.core.model};
 * every failure is an {@link AdagioClientException} carrying a {@link AdagioClientException.Code}
 * and the server's message.
 *
 * <pre>{@code
 * try (var client = AdagioClient.connect("localhost:7890")) {
 *     Run run = client.start(spec);
 *     Run done = client.awaitCompletion(run.id(), Duration.ofMinutes(5));
 *     boolean ok = RunSummary.of(done).succeeded();
 * }
 * }</pre>
 *
 * <p>Instances are thread-safe and hold one connection, opened on the first call; share one
 * client and {@link #close()} it when done.
 */
public final class AdagioClient implements AutoCloseable {
    /** The address used when none is given: the daemon's default listen address. */
    public static final String DEFAULT_ADDRESS = "localhost:7890";

    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration MAX_POLL = Duration.ofSeconds(1);

    private final GrpcTransport transport;

    private AdagioClient(Builder builder) {
        this.transport = new GrpcTransport(
                Target.parse(builder.address),
                builder.callTimeout,
                new Credentials(builder.tls, builder.caFile, builder.certificateFile, builder.keyFile, builder.token));
    }

    /**
     * A client of the control plane at {@code address}: {@code HOST:PORT}, a bare host (port 7890),
     * {@code http://HOST:PORT} (plaintext, the default) or {@code https://HOST:PORT} (TLS).
     *
     * @throws IllegalArgumentException when the address cannot be read
     */
    public static AdagioClient connect(String address) {
        return builder().address(address).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code host:port} this client talks to. */
    public String target() {
        return transport.target();
    }

    /** Starts a run of {@code spec}; the server validates it and refuses it with {@link Code#INVALID_ARGUMENT}. */
    public Run start(GraphSpec spec) {
        Objects.requireNonNull(spec, "spec");
        var request =
                StartRequest.newBuilder().setSpec(WireMapping.toProto(spec)).build();
        return WireMapping.fromProto(transport.call(stub -> stub.start(request)).getRun());
    }

    /** The run with every node, attempt and edge. @throws AdagioClientException {@link Code#NOT_FOUND} for an unknown ID */
    public Run inspect(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a run ID is required");
        }
        var request = InspectRequest.newBuilder().setId(runId).build();
        var response = transport.call(stub -> stub.inspect(request));
        if (!response.hasRun()) {
            throw new AdagioClientException(Code.NOT_FOUND, target(), "run \"" + runId + "\" not found");
        }
        return WireMapping.fromProto(response.getRun());
    }

    /**
     * Cancels a run: nodes not yet started complete as CANCELLED, running ones are interrupted by
     * their agents, and nothing more of the run starts. Returns the run as the cancel left it (it
     * completes, with conclusion CANCELLED, once its agents have stopped what they were running;
     * {@link #awaitCompletion} waits for that). A run already completed is returned as it is.
     *
     * @throws AdagioClientException {@link Code#NOT_FOUND} for an unknown ID
     */
    public Run cancel(String runId) {
        var request = CancelRequest.newBuilder().setId(requireId(runId)).build();
        return WireMapping.fromProto(
                transport.call(stub -> stub.cancel(request)).getRun());
    }

    /**
     * Runs a completed run again from where it failed: its failed, errored, cancelled and unreached
     * nodes start over (with fresh attempt counts), its successful nodes keep their attempts and
     * outputs, and the run keeps its ID. Returns the run as the rerun left it.
     *
     * @throws AdagioClientException {@link Code#FAILED_PRECONDITION} while the run is not completed,
     *                               {@link Code#NOT_FOUND} for an unknown ID
     */
    public Run rerun(String runId) {
        var request = RerunRequest.newBuilder().setId(requireId(runId)).build();
        return WireMapping.fromProto(transport.call(stub -> stub.rerun(request)).getRun());
    }

    private static String requireId(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a run ID is required");
        }
        return runId;
    }

    /** Runs newest first, as {@code query} selects (see {@link RunQuery} for the window's two ends). */
    public List<Run> listRuns(RunQuery query) {
        var request = ListRequest.newBuilder()
                .setStartNs(query.startNs())
                .setFinishNs(query.finishNs())
                .setLimit(query.limit())
                .build();
        return transport.call(stub -> stub.listRuns(request)).getRunsList().stream()
                .map(WireMapping::fromProto)
                .toList();
    }

    /**
     * Runs created within {@code [since, until]}, newest first, at most {@code limit} of them.
     *
     * @param since the oldest creation time to include, null for no bound
     * @param until the newest creation time to include, null for no bound
     * @param limit at most this many runs; 0 for no limit
     */
    public List<Run> listRuns(Instant since, Instant until, long limit) {
        return listRuns(new RunQuery(
                until == null ? 0 : Timestamps.toNanos(until), since == null ? 0 : Timestamps.toNanos(since), limit));
    }

    /** Every run, newest first. */
    public List<Run> listRuns() {
        return listRuns(RunQuery.ALL);
    }

    public Stats stats() {
        var s = transport
                .call(stub -> stub.stats(StatsRequest.getDefaultInstance()))
                .getStats();
        var c = s.getNodeCounts();
        return new Stats(
                s.getRunCount(),
                new Stats.NodeCounts(
                        c.getWaitingCount(),
                        c.getReadyCount(),
                        c.getRunningCount(),
                        c.getCompletedCount(),
                        c.getOrphanedCount()));
    }

    /** The live agents and the runtimes each can execute. */
    public List<Agent> agents() {
        return transport.call(stub -> stub.listAgents(ListRequest.getDefaultInstance())).getAgentsList().stream()
                .map(WireMapping::fromProto)
                .toList();
    }

    /**
     * Waits until every node of the run has completed and returns the completed run.
     *
     * @throws AdagioClientException {@link Code#DEADLINE_EXCEEDED} when {@code timeout} passes first
     *                               (a zero or negative timeout waits for ever)
     */
    public Run awaitCompletion(String runId, Duration timeout) throws InterruptedException {
        return awaitCompletion(runId, timeout, run -> {});
    }

    /**
     * Like {@link #awaitCompletion(String, Duration)}, and calls {@code onUpdate} with each snapshot that
     * differs from the one before (the first snapshot included), so that a caller can show progress.
     *
     * <p>There is no change stream in the API yet, so this polls Inspect: every 50 ms at first,
     * backing off to once a second while nothing changes, and back to 50 ms after each change.
     */
    public Run awaitCompletion(String runId, Duration timeout, Consumer<Run> onUpdate) throws InterruptedException {
        long deadline = timeout == null || timeout.isZero() || timeout.isNegative()
                ? Long.MAX_VALUE
                : System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_POLL;
        Run last = null;
        while (true) {
            Run run = inspect(runId);
            if (!run.equals(last)) {
                onUpdate.accept(run);
                pause = FIRST_POLL;
            } else {
                pause = pause.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : pause.multipliedBy(2);
            }
            last = run;
            if (run.status() == RunStatus.COMPLETED) {
                return run;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AdagioClientException(
                        Code.DEADLINE_EXCEEDED, target(), "run \"" + runId + "\" did not complete within " + timeout);
            }
            Thread.sleep(Math.max(1, Math.min(pause.toMillis(), left / 1_000_000)));
        }
    }

    /** Closes the connection; calls after this fail with {@link Code#UNAVAILABLE}. */
    @Override
    public void close() {
        transport.close();
    }

    @Override
    public String toString() {
        return "AdagioClient[" + target() + "]";
    }

    /** Settings for a client. */
    public static final class Builder {
        private String address = DEFAULT_ADDRESS;
        private Duration callTimeout = Duration.ofSeconds(30);
        private boolean tls;
        private Path caFile;
        private Path certificateFile;
        private Path keyFile;
        private String token;

        private Builder() {}

        /**
         * The bearer token sent with every call ({@code authorization: Bearer TOKEN}), for an adagiod
         * started with {@code -auth-token-file}; null for none (the default).
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * TLS with the system's trusted CAs, as an {@code https://} address asks for. Implied by
         * {@link #caFile} and {@link #clientCertificate}.
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** TLS, trusting the CA(s) of this PEM file rather than the system's (for a private CA). */
        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        /**
         * TLS with this client certificate and its (PEM, PKCS#8) private key, for an adagiod that
         * requires client certificates ({@code -tls-client-ca-file}).
         */
        public Builder clientCertificate(Path certificateFile, Path keyFile) {
            this.certificateFile = certificateFile;
            this.keyFile = keyFile;
            return this;
        }

        /** {@code HOST:PORT}, a bare host, {@code http://HOST:PORT} or {@code https://HOST:PORT}; default {@code localhost:7890}. */
        public Builder address(String address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** How long one call may take, connecting included; default 30 s. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive(timeout, "callTimeout");
            return this;
        }

        /** @throws IllegalArgumentException when the address cannot be read, or a file or the token cannot be used */
        public AdagioClient build() {
            return new AdagioClient(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
