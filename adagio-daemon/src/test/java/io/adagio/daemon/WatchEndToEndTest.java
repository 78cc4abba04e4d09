package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adagio.proto.Edge;
import io.adagio.proto.GraphSpec;
import io.adagio.proto.MetadataValue;
import io.adagio.proto.Node;
import io.adagio.proto.Run;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.SseStream;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Watching runs on real adagiod processes, as users would: a gRPC client generated from the
 * project's .proto follows a 1,000-node fan-out/fan-in run; {@code curl -N} follows a run over
 * Server-Sent Events; with etcd, a run started through one API process is watched through another
 * and resumed through the first with {@code Last-Event-ID}.
 */
@ExtendWith(SharedDaemon.class)
class WatchEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int NODES = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One node fanning out to 998 that all fan in to one. The first sleeps {@code gateSeconds} (none
     * if 0), so that watchers come while the run has not gone far.
     */
    static GraphSpec fanOutFanIn(int gateSeconds) {
        var spec = GraphSpec.newBuilder();
        var gate = Node.Spec.newBuilder().setName("fan-out").setRuntime("debug");
        if (gateSeconds > 0) {
            gate.setRuntime("exec")
                    .putMetadata(
                            "adagio.arguments.exec.command",
                            MetadataValue.newBuilder().addValues("sleep").build())
                    .putMetadata(
                            "adagio.arguments.exec.args",
                            MetadataValue.newBuilder()
                                    .addValues(Integer.toString(gateSeconds))
                                    .build());
        }
        spec.addNodes(gate);
        spec.addNodes(Node.Spec.newBuilder().setName("fan-in").setRuntime("debug"));
        for (int i = 0; i < NODES - 2; i++) {
            var name = "n%04d".formatted(i);
            spec.addNodes(Node.Spec.newBuilder().setName(name).setRuntime("debug"));
            spec.addEdges(Edge.newBuilder().setSource("fan-out").setDestination(name));
            spec.addEdges(Edge.newBuilder().setSource(name).setDestination("fan-in"));
        }
        return spec.build();
    }

    static ManagedChannel channel(String baseUrl) {
        var uri = URI.create(baseUrl);
        return ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .build();
    }

    /** What a watcher received: every message, in order. */
    record Watched(List<WatchResponse> messages) {
        /** Node updates after the first message. */
        int nodeUpdates() {
            return messages.stream()
                    .skip(1)
                    .mapToInt(WatchResponse::getNodesCount)
                    .sum();
        }

        /** The run as the messages leave it: the first message's nodes, each replaced by its later updates. */
        Map<String, Node> nodes() {
            var nodes = new HashMap<String, Node>();
            messages.getFirst()
                    .getRun()
                    .getNodesList()
                    .forEach(n -> nodes.put(n.getSpec().getName(), n));
            messages.stream()
                    .skip(1)
                    .forEach(m ->
                            m.getNodesList().forEach(n -> nodes.put(n.getSpec().getName(), n)));
            return nodes;
        }
    }

    /**
     * The acceptance check of a watch of the 1,000-node run: the whole run first, then of the order of
     * the run's node transitions (each node goes at most WAITING, READY, RUNNING, COMPLETED: three
     * changes), never nodes × messages; the last message COMPLETED with Inspect's conclusion, and the
     * nodes as Inspect shows them.
     */
    static void checkWatch(Watched watched, Run inspected) {
        var first = watched.messages().getFirst();
        assertThat(first.hasRun()).isTrue();
        assertThat(first.getRun().getNodesCount()).isEqualTo(NODES);
        assertThat(first.getRun().getStatus())
                .as("the watch began before the run completed")
                .isNotEqualTo(Run.Status.COMPLETED);
        long notDone = first.getRun().getNodesList().stream()
                .filter(n -> n.getStatus() != Node.Status.COMPLETED)
                .count();
        assertThat(watched.nodeUpdates())
                .as("every node not done at first was sent again")
                .isGreaterThanOrEqualTo((int) notDone);
        var later = watched.messages().subList(1, watched.messages().size());
        assertThat(later).allSatisfy(m -> assertThat(m.hasRun()).isFalse());
        var last = watched.messages().getLast();
        assertThat(last.hasRun() ? last.getRun().getStatus() : last.getStatus()).isEqualTo(Run.Status.COMPLETED);
        assertThat(inspected.getStatus()).isEqualTo(Run.Status.COMPLETED);
        assertThat(last.hasRun() ? last.getRun().getConclusion() : last.getConclusion())
                .isEqualTo(inspected.getConclusion())
                .isEqualTo(Node.Result.Conclusion.SUCCESS);
        assertThat(watched.nodeUpdates()).isLessThanOrEqualTo(3 * NODES);
        assertThat(watched.nodes().values()).containsExactlyInAnyOrderElementsOf(inspected.getNodesList());
        System.out.printf(
                "watch of a %d-node run: %d messages, %d node updates after the first%n",
                NODES, watched.messages().size(), watched.nodeUpdates());
    }

    static Watched watch(ManagedChannel channel, String id) {
        var messages = new ArrayList<WatchResponse>();
        ControlPlaneGrpc.newBlockingStub(channel)
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .watch(WatchRequest.newBuilder().setId(id).build())
                .forEachRemaining(messages::add);
        return new Watched(messages);
    }

    static Run inspect(ManagedChannel channel, String id) {
        return ControlPlaneGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .inspect(InspectRequest.newBuilder().setId(id).build())
                .getRun();
    }

    static String start(ManagedChannel channel, int gateSeconds) {
        return ControlPlaneGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .start(StartRequest.newBuilder()
                        .setSpec(fanOutFanIn(gateSeconds))
                        .build())
                .getRun()
                .getId();
    }

    /**
     * A reader that takes the first message and nothing more (gRPC flow control) until told to read
     * the rest: the server must neither block on it nor queue for it.
     */
    static final class SlowReader implements ClientResponseObserver<WatchRequest, WatchResponse> {
        final List<WatchResponse> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final CompletableFuture<Void> first = new CompletableFuture<>();
        private final AtomicReference<ClientCallStreamObserver<WatchRequest>> call = new AtomicReference<>();

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requests) {
            call.set(requests);
            requests.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(WatchResponse value) {
            messages.add(value);
            first.complete(null);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        Watched readTheRest() throws Exception {
            call.get().request(Integer.MAX_VALUE);
            done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return new Watched(List.copyOf(messages));
        }
    }

    @Test
    void aGrpcClientFollowsA1000NodeRunAndASlowReaderGetsItCoalesced(SharedDaemon.Running daemon) throws Exception {
        var channel = channel(daemon.api().baseUrl());
        try {
            var slow = new SlowReader();
            var id = start(channel, 3);
            ControlPlaneGrpc.newStub(channel)
                    .watch(WatchRequest.newBuilder().setId(id).build(), slow);
            slow.first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            var watched = watch(channel, id);
            var inspected = inspect(channel, id);
            checkWatch(watched, inspected);

            // The slow reader took one message while the run went on, then reads what is left: the
            // latest state of what changed, ending as the run did.
            var slowly = slow.readTheRest();
            checkWatch(slowly, inspected);
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** {@code curl -N} on the watch route: its output lines, as they come, and its exit code. */
    static final class Curl implements AutoCloseable {
        final Process process;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader;

        Curl(String url) {
            try {
                process = new ProcessBuilder("curl", "-sS", "-N", "-H", "Accept: text/event-stream", url)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            reader = Thread.ofVirtual().start(() -> {
                try (var in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process went away
                }
            });
        }

        /** The next {@code data:} line's JSON. */
        JsonNode nextData() throws Exception {
            while (true) {
                var line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(line).as("a line from curl in time").isNotNull();
                if (line.startsWith("data:")) {
                    return JSON.readTree(line.substring("data:".length()));
                }
            }
        }

        /** The next {@code id:} line's value. */
        String nextId() throws Exception {
            while (true) {
                var line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(line).as("a line from curl in time").isNotNull();
                if (line.startsWith("id:")) {
                    return line.substring("id:".length()).trim();
                }
            }
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    @Test
    void withEtcdARunStartedThroughOneApiIsWatchedThroughAnotherAndResumedThroughTheFirst() throws Exception {
        try (var etcd = EtcdCluster.start(1)) {
            var env = EtcdBackend.of(etcd).namespace("watch").env();
            try (var api1 = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env);
                    var api2 = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env)) {
                var http1 = new ApiClient(api1.awaitApi(WAIT));
                var http2 = new ApiClient(api2.awaitApi(WAIT));
                var channel1 = channel(http1.baseUrl());
                var channel2 = channel(http2.baseUrl());
                try {
                    var id = start(channel1, 0);
                    var grpcWatch = CompletableFuture.supplyAsync(() -> watch(channel2, id));
                    try (var curl = new Curl(http2.baseUrl() + "/v0/runs/" + id + "/watch")) {
                        // No agent yet: the run waits, and curl has printed it.
                        var firstId = curl.nextId();
                        var first = curl.nextData();
                        assertThat(first.path("run").path("nodes")).hasSize(NODES);
                        assertThat(first.path("run").path("status").asText()).isEqualTo("WAITING");

                        try (var agent = AdagiodProcess.start(List.of("agent", "-agent-count", "8"), env)) {
                            JsonNode last = first;
                            int events = 1;
                            while (!last.path("status").asText().equals("COMPLETED")) {
                                last = curl.nextData();
                                events++;
                            }
                            assertThat(curl.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
                                    .as("curl ends when the run completes")
                                    .isTrue();
                            assertThat(curl.process.exitValue()).isZero();
                            var inspected = inspect(channel1, id);
                            assertThat(last.path("conclusion").asText())
                                    .isEqualTo(inspected.getConclusion().name());
                            System.out.printf("curl printed %d events for the %d-node run%n", events, NODES);

                            checkWatch(grpcWatch.get(WAIT.toSeconds(), TimeUnit.SECONDS), inspected);

                            // API process 1 resumes after the first event API process 2 sent: only the
                            // nodes changed since (all of them), ending COMPLETED.
                            try (var resumed = SseStream.open(
                                    http1.baseUrl(), "/v0/runs/" + id + "/watch", Map.of("Last-Event-ID", firstId))) {
                                var changes = resumed.next(WAIT).json();
                                assertThat(changes.has("run")).isFalse();
                                assertThat(changes.path("nodes")).hasSize(NODES);
                                assertThat(changes.path("status").asText()).isEqualTo("COMPLETED");
                                var byName = new HashMap<String, JsonNode>();
                                changes.path("nodes")
                                        .forEach(n -> byName.put(
                                                n.path("spec").path("name").asText(), n));
                                http1.run(id)
                                        .path("nodes")
                                        .forEach(n -> assertThat(byName.get(n.path("spec")
                                                        .path("name")
                                                        .asText()))
                                                .isEqualTo(n));
                                resumed.awaitEnd(WAIT);
                            }
                        }
                    }
                } finally {
                    channel1.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                    channel2.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
