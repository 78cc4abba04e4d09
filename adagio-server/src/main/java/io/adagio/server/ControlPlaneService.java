package io.adagio.server;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.StorageUsage;
import io.adagio.core.repository.Repository;
import io.adagio.proto.controlplane.CancelRequest;
import io.adagio.proto.controlplane.CancelResponse;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.DeleteRequest;
import io.adagio.proto.controlplane.DeleteResponse;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.InspectResponse;
import io.adagio.proto.controlplane.ListAgentsResponse;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.ListRunsResponse;
import io.adagio.proto.controlplane.RerunRequest;
import io.adagio.proto.controlplane.RerunResponse;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StartResponse;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.proto.controlplane.StatsResponse;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.server.security.Caller;
import io.adagio.server.watch.GrpcWatch;
import io.adagio.wire.StorageHeaders;
import io.adagio.wire.WireMapping;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane service, written once over a {@link Repository}: gRPC calls it directly and the
 * HTTP/JSON routes reach it through transcoding, so both protocols share every rule and error.
 * Failures travel as exceptions and are turned into statuses by {@link ErrorMapping}.
 */
public final class ControlPlaneService extends ControlPlaneGrpc.ControlPlaneImplBase {
    private static final Logger log = LoggerFactory.getLogger(ControlPlaneService.class);

    private final Repository repository;
    private final Supplier<StorageUsage> storage;
    private final GrpcWatch watch;
    private final InspectPages pages;

    /**
     * @param storage         how full the store is lately (null when not known), sent beside Stats
     *                        ({@link StorageHeaders})
     * @param watch           serves the Watch streams
     * @param maxMessageBytes the most one response carries: a bigger run is inspected in pages
     */
    public ControlPlaneService(
            Repository repository, Supplier<StorageUsage> storage, GrpcWatch watch, int maxMessageBytes) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.watch = Objects.requireNonNull(watch, "watch");
        this.pages = new InspectPages(maxMessageBytes);
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> response) {
        reply(response, () -> {
            var stats = StatsResponse.newBuilder()
                    .setStats(WireMapping.toProto(repository.stats()))
                    .build();
            var usage = storage.get();
            var ctx = ServiceRequestContext.currentOrNull();
            if (usage != null && ctx != null) {
                StorageHeaders.of(usage).forEach(ctx::setAdditionalResponseHeader);
            }
            return stats;
        });
    }

    @Override
    public void start(StartRequest request, StreamObserver<StartResponse> response) {
        reply(response, () -> {
            var run = repository.startRun(WireMapping.fromProto(request.getSpec()));
            var caller = Caller.current();
            log.info(
                    "run {} started by {} from {} ({} nodes)",
                    run.id(),
                    caller.name(),
                    caller.addressText(),
                    run.nodes().size());
            return StartResponse.newBuilder().setRun(WireMapping.toProto(run)).build();
        });
    }

    @Override
    public void cancel(CancelRequest request, StreamObserver<CancelResponse> response) {
        reply(response, () -> {
            var run = repository.cancelRun(request.getId());
            var caller = Caller.current();
            log.info("run {} cancelled by {} from {}", run.id(), caller.name(), caller.addressText());
            return CancelResponse.newBuilder().setRun(WireMapping.toProto(run)).build();
        });
    }

    @Override
    public void rerun(RerunRequest request, StreamObserver<RerunResponse> response) {
        reply(response, () -> {
            var run = repository.rerunRun(request.getId());
            var caller = Caller.current();
            log.info("run {} rerun by {} from {}", run.id(), caller.name(), caller.addressText());
            return RerunResponse.newBuilder().setRun(WireMapping.toProto(run)).build();
        });
    }

    @Override
    public void listRuns(ListRequest request, StreamObserver<ListRunsResponse> response) {
        reply(
                response,
                () -> ListRunsResponse.newBuilder()
                        .addAllRuns(repository.listRuns(query(request)).stream()
                                .map(WireMapping::toProto)
                                .toList())
                        .build());
    }

    @Override
    public void inspect(InspectRequest request, StreamObserver<InspectResponse> response) {
        reply(response, () -> {
            // uint32 on the wire: a value past Integer.MAX_VALUE arrives negative and means "very many".
            long limit = Integer.toUnsignedLong(request.getNodeLimit());
            var page = pages.page(repository.inspectRun(request.getId()), limit, request.getNodePageToken());
            return InspectResponse.newBuilder()
                    .setRun(page.run())
                    .setNextNodePageToken(page.nextToken())
                    .build();
        });
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        reply(response, () -> {
            repository.deleteRun(request.getId());
            var caller = Caller.current();
            log.info("run {} deleted by {} from {}", request.getId(), caller.name(), caller.addressText());
            return DeleteResponse.getDefaultInstance();
        });
    }

    @Override
    public void listAgents(ListRequest request, StreamObserver<ListAgentsResponse> response) {
        reply(
                response,
                () -> ListAgentsResponse.newBuilder()
                        .addAllAgents(repository.listAgents().stream()
                                .map(WireMapping::toProto)
                                .toList())
                        .build());
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchResponse> responses) {
        watch.serve(request, responses);
    }

    /** {@code limit} is a uint64 on the wire: a value past Long.MAX_VALUE arrives negative and means "no cap". */
    static RunQuery query(ListRequest request) {
        long limit = request.getLimit() < 0 ? 0 : request.getLimit();
        return new RunQuery(request.getStartNs(), request.getFinishNs(), limit);
    }

    private static <T> void reply(StreamObserver<T> response, Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            response.onError(ErrorMapping.toStatus(e).asRuntimeException());
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
