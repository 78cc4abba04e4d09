package io.adagio.bench;

import io.adagio.core.model.GraphSpec;
import io.adagio.proto.Node;
import io.adagio.proto.Run;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.wire.WireMapping;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An outside client of the control plane: plain grpc-java on the generated stubs of the wire
 * contract, nothing of Adagio's own client library.
 */
final class GrpcClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final ControlPlaneGrpc.ControlPlaneBlockingStub stub;

    GrpcClient(String target) {
        channel = NettyChannelBuilder.forTarget(target)
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build();
        stub = ControlPlaneGrpc.newBlockingStub(channel);
    }

    /** Starts {@code count} runs of {@code spec} from {@code threads} threads; returns their ids. */
    List<String> start(GraphSpec spec, int count, int threads) throws Exception {
        var request =
                StartRequest.newBuilder().setSpec(WireMapping.toProto(spec)).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            var futures = new ArrayList<Future<String>>();
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .start(request)
                        .getRun()
                        .getId()));
            }
            var ids = new ArrayList<String>();
            for (var f : futures) {
                ids.add(f.get());
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts one run of the spec made into {@code request}; its id. */
    String start(StartRequest request) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .start(request)
                .getRun()
                .getId();
    }

    io.adagio.proto.Stats stats() {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .stats(io.adagio.proto.controlplane.StatsRequest.getDefaultInstance())
                .getStats();
    }

    Run inspect(String id) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .inspect(InspectRequest.newBuilder().setId(id).build())
                .getRun();
    }

    /** Waits until every run is COMPLETED; returns the ones that are not by the deadline (empty: all done). */
    Set<String> awaitCompleted(List<String> ids, Duration timeout) throws InterruptedException {
        var pending = new HashSet<>(ids);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            for (var id : List.copyOf(pending)) {
                if (inspect(id).getStatus() == Run.Status.COMPLETED) {
                    pending.remove(id);
                } else {
                    break; // runs complete roughly in order: look again a little later
                }
            }
            if (!pending.isEmpty()) {
                // Polling a remote API for completion: nothing to wait on but time.
                Thread.sleep(100);
            }
        }
        return pending;
    }

    /** Whether every node of the run completed with one SUCCESS attempt. */
    static boolean allSucceeded(Run run) {
        return run.getNodesList().stream()
                .allMatch(n -> n.getStatus() == Node.Status.COMPLETED
                        && n.getAttemptsCount() == 1
                        && n.getAttempts(0).getConclusion() == Node.Result.Conclusion.SUCCESS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
