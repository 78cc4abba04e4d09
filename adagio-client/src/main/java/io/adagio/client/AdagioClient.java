package io.adagio.client;

import io.adagio.client.AdagioClientException.Code;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.model.StorageUsage;
import io.adagio.core.protocol.Timestamps;
import io.adagio.proto.controlplane.CancelRequest;
import io.adagio.proto.controlplane.DeleteRequest;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.RerunRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.wire.StorageHeaders;
import io.adagio.wire.WireMapping;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A client of the Adagio control plane: start runs, inspect and list them, read stats and agents,
 * watch a run change and wait for it to complete. Results are the domain records of {@code io.adagio.core.model};
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

    /** Nodes asked for per Inspect call: about 2 MB, well within a server's message limit. */
    static final int INSPECT_PAGE_NODES = 10_000;

    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration MAX_POLL = Duration.ofSeconds(1);
    private static final Duration RECONNECT = Duration.ofMillis(500);

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

    /**
     * The run with every node, attempt and edge, read in pages of {@value #INSPECT_PAGE_NODES} nodes
     * when it is bigger (a server without paging answers the whole run at once). The run's status is
     * that of the last page; each edge comes with the page of its destination, so edges are in
     * destination order when the run took more than one page.
     *
     * @throws AdagioClientException {@link Code#NOT_FOUND} for an unknown ID
     */
    public Run inspect(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a run ID is required");
        }
        var nodes = new ArrayList<Node>();
        var edges = new ArrayList<Edge>();
        Run page;
        String token = "";
        do {
            var request = InspectRequest.newBuilder()
                    .setId(runId)
                    .setNodeLimit(INSPECT_PAGE_NODES)
                    .setNodePageToken(token)
                    .build();
            var response = transport.call(stub -> stub.inspect(request));
            if (!response.hasRun()) {
                throw new AdagioClientException(Code.NOT_FOUND, target(), "run \"" + runId + "\" not found");
            }
            page = WireMapping.fromProto(response.getRun());
            if (token.isEmpty() && response.getNextNodePageToken().isEmpty()) {
                return page; // the whole run in one answer: the usual case
            }
            nodes.addAll(page.nodes());
            edges.addAll(page.edges());
            token = response.getNextNodePageToken();
        } while (!token.isEmpty());
        return new Run(page.id(), page.createdAt(), nodes, edges, page.status(), page.conclusion());
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

    /**
     * How full the server's store is, as the server last looked (etcd: its database size and quota,
     * and whether it refuses writes); empty when the server does not say (the memory backend, or an
     * older server). Sent beside the Stats answer, so it costs one Stats call.
     */
    public Optional<StorageUsage> storage() {
        var headers = new AtomicReference<Metadata>();
        var trailers = new AtomicReference<Metadata>();
        transport.call(stub -> stub.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .stats(StatsRequest.getDefaultInstance()));
        var received = headers.get();
        if (received == null) {
            return Optional.empty();
        }
        return StorageHeaders.read(name -> received.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
    }

    /**
     * Deletes a completed run and everything stored of it.
     *
     * @throws AdagioClientException {@link Code#NOT_FOUND} for an unknown run; a refusal naming the run
     *                               when it has not completed yet (FAILED_PRECONDITION on the wire)
     */
    public void delete(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a run ID is required");
        }
        var request = DeleteRequest.newBuilder().setId(runId).build();
        transport.call(stub -> stub.delete(request));
    }

    /** The live agents and the runtimes each can execute. */
    public List<Agent> agents() {
        return transport.call(stub -> stub.listAgents(ListRequest.getDefaultInstance())).getAgentsList().stream()
                .map(WireMapping::fromProto)
                .toList();
    }

    /**
     * Follows a run as it changes: an iterator whose first update holds the whole run and each later
     * one the nodes that changed since the one before (changes close together arrive together),
     * ending after the update in which the run is COMPLETED. Close it to stop early.
     *
     * <pre>{@code
     * try (var updates = client.watch(runId)) {
     *     updates.forEachRemaining(u -> System.out.println(u.changed().size() + " nodes changed"));
     * }
     * }</pre>
     *
     * @throws AdagioClientException {@link Code#NOT_FOUND} for an unknown ID (when the first update is read)
     */
    public WatchStream watch(String runId) {
        requireRunId(runId);
        var request = WatchRequest.newBuilder().setId(runId).build();
        return new WatchStream(transport.stream(stub -> stub.watch(request), null));
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
     * Like {@link #awaitCompletion(String, Duration)}, and calls {@code onUpdate} with the run each
     * time it changes (the first time with the run as it is), so that a caller can show progress.
     *
     * <p>Follows the run's {@link #watch watch stream}; if the stream breaks after it started (the
     * server restarted), it watches again until the timeout. A server without the Watch method (the
     * original project's) is polled with Inspect instead.
     */
    public Run awaitCompletion(String runId, Duration timeout, Consumer<Run> onUpdate) throws InterruptedException {
        requireRunId(runId);
        long deadline = timeout == null || timeout.isZero() || timeout.isNegative()
                ? Long.MAX_VALUE
                : System.nanoTime() + timeout.toNanos();
        var request = WatchRequest.newBuilder().setId(runId).build();
        boolean connected = false;
        while (true) {
            Duration left = deadline == Long.MAX_VALUE ? null : Duration.ofNanos(deadline - System.nanoTime());
            if (left != null && !left.isPositive()) {
                throw notCompleted(runId, timeout, null);
            }
            try (var updates = new WatchStream(transport.stream(stub -> stub.watch(request), left))) {
                while (updates.hasNext()) {
                    var update = updates.next();
                    connected = true;
                    onUpdate.accept(update.run());
                    if (update.completed()) {
                        return update.run();
                    }
                }
            } catch (AdagioClientException e) {
                if (e.code() == Code.DEADLINE_EXCEEDED) {
                    throw notCompleted(runId, timeout, e);
                }
                if (unimplemented(e)) {
                    return poll(runId, deadline, timeout, onUpdate);
                }
                if (e.code() != Code.UNAVAILABLE || !connected) {
                    throw e;
                }
            }
            // The stream broke (the server is stopping or restarting): watch again shortly.
            Thread.sleep(Math.min(RECONNECT.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    private static boolean unimplemented(AdagioClientException e) {
        return e.getCause() instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
    }

    private AdagioClientException notCompleted(String runId, Duration timeout, Throwable cause) {
        return new AdagioClientException(
                Code.DEADLINE_EXCEEDED, target(), "run \"" + runId + "\" did not complete within " + timeout, cause);
    }

    /**
     * For servers without Watch: polls Inspect every 50 ms at first, backing off to once a second
     * while nothing changes, and back to 50 ms after each change.
     */
    private Run poll(String runId, long deadline, Duration timeout, Consumer<Run> onUpdate)
            throws InterruptedException {
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
                throw notCompleted(runId, timeout, null);
            }
            Thread.sleep(Math.max(1, Math.min(pause.toMillis(), left / 1_000_000)));
        }
    }

    private static void requireRunId(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("a run ID is required");
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
