package io.adagio.wire;

import com.google.protobuf.ByteString;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Timestamps;
import io.adagio.proto.MetadataValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between the domain model and the wire model ({@code adagio.*} protobuf messages). The
 * one place where both meet: the API, storage formats and clients all go through here.
 */
public final class WireMapping {
    /** The longest duration the wire carries (google.protobuf.Duration's range). */
    private static final long MAX_WIRE_SECONDS = 315_576_000_000L;

    private WireMapping() {}

    // ---- graph specs (wire -> domain) ----

    public static GraphSpec fromProto(io.adagio.proto.GraphSpec spec) {
        return new GraphSpec(
                spec.getNodesList().stream().map(WireMapping::fromProto).toList(),
                spec.getEdgesList().stream().map(WireMapping::fromProto).toList());
    }

    public static NodeSpec fromProto(io.adagio.proto.Node.Spec spec) {
        var retry = new LinkedHashMap<String, RetryRule>();
        spec.getRetryMap()
                .forEach((k, v) -> retry.put(
                        k, new RetryRule(v.getMaxAttempts(), v.hasBackoff() ? fromProto(v.getBackoff()) : null)));
        return new NodeSpec(
                spec.getName(),
                spec.getRuntime(),
                fromProto(spec.getMetadataMap()),
                retry,
                spec.hasTimeout() ? fromProto(spec.getTimeout()) : null);
    }

    public static RetryRule.Backoff fromProto(io.adagio.proto.Node.Spec.Retry.Backoff backoff) {
        return new RetryRule.Backoff(
                backoff.hasInitial() ? fromProto(backoff.getInitial()) : null,
                backoff.hasMaximum() ? fromProto(backoff.getMaximum()) : null,
                backoff.getMultiplier());
    }

    /** A wire duration; one beyond the wire's own range (±10,000 years) is clamped to it (validation refuses it). */
    public static Duration fromProto(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(Math.clamp(d.getSeconds(), -MAX_WIRE_SECONDS, MAX_WIRE_SECONDS), d.getNanos());
    }

    public static com.google.protobuf.Duration toProto(Duration d) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(d.getSeconds())
                .setNanos(d.getNano())
                .build();
    }

    public static Edge fromProto(io.adagio.proto.Edge edge) {
        return new Edge(edge.getSource(), edge.getDestination());
    }

    public static Map<String, List<String>> fromProto(Map<String, MetadataValue> metadata) {
        var out = new LinkedHashMap<String, List<String>>();
        metadata.forEach((k, v) -> out.put(k, List.copyOf(v.getValuesList())));
        return out;
    }

    public static Result fromProto(io.adagio.proto.Node.Result result) {
        return new Result(
                conclusion(result.getConclusion()),
                fromProto(result.getMetadataMap()),
                result.getOutput().toByteArray(),
                Timestamps.parse(result.getStartedAt()),
                Timestamps.parse(result.getFinishedAt()),
                result.getAgentId());
    }

    public static Claim fromProto(io.adagio.proto.Claim claim) {
        return new Claim(claim.getId(), fromProto(claim.getMetadataMap()));
    }

    public static Agent fromProto(io.adagio.proto.Agent agent) {
        return new Agent(
                agent.getId(),
                agent.getRuntimesList().stream()
                        .map(io.adagio.proto.Runtime::getName)
                        .toList());
    }

    public static Node fromProto(io.adagio.proto.Node node) {
        var inputs = new LinkedHashMap<String, byte[]>();
        node.getInputsMap().forEach((k, v) -> inputs.put(k, v.toByteArray()));
        return new Node(
                fromProto(node.getSpec()),
                nodeStatus(node.getStatus()),
                node.getAttemptsList().stream().map(WireMapping::fromProto).toList(),
                Timestamps.parse(node.getStartedAt()),
                Timestamps.parse(node.getFinishedAt()),
                inputs,
                node.hasClaim() ? fromProto(node.getClaim()) : null,
                conclusion(node.getConclusion()),
                Timestamps.parse(node.getNotBefore()),
                false);
    }

    public static Run fromProto(io.adagio.proto.Run run) {
        return new Run(
                run.getId(),
                Timestamps.parse(run.getCreatedAt()),
                run.getNodesList().stream().map(WireMapping::fromProto).toList(),
                run.getEdgesList().stream().map(WireMapping::fromProto).toList(),
                switch (run.getStatus()) {
                    case WAITING -> RunStatus.WAITING;
                    case RUNNING -> RunStatus.RUNNING;
                    case COMPLETED -> RunStatus.COMPLETED;
                    case UNRECOGNIZED -> throw new IllegalArgumentException("unknown run status");
                },
                conclusion(run.getConclusion()));
    }

    // ---- domain -> wire ----

    public static io.adagio.proto.GraphSpec toProto(GraphSpec spec) {
        return io.adagio.proto.GraphSpec.newBuilder()
                .addAllNodes(spec.nodes().stream().map(WireMapping::toProto).toList())
                .addAllEdges(spec.edges().stream().map(WireMapping::toProto).toList())
                .build();
    }

    public static io.adagio.proto.Node.Spec toProto(NodeSpec spec) {
        var b = io.adagio.proto.Node.Spec.newBuilder()
                .setName(nullToEmpty(spec.name()))
                .setRuntime(nullToEmpty(spec.runtime()))
                .putAllMetadata(toProto(spec.metadata()));
        spec.retry().forEach((k, v) -> b.putRetry(k, toProto(v)));
        if (spec.timeout() != null) {
            b.setTimeout(toProto(spec.timeout()));
        }
        return b.build();
    }

    public static io.adagio.proto.Node.Spec.Retry toProto(RetryRule rule) {
        var b = io.adagio.proto.Node.Spec.Retry.newBuilder().setMaxAttempts(rule == null ? 0 : rule.maxAttempts());
        if (rule != null && rule.backoff() != null) {
            var backoff = rule.backoff();
            var wire = io.adagio.proto.Node.Spec.Retry.Backoff.newBuilder().setMultiplier(backoff.multiplier());
            if (backoff.initial() != null) {
                wire.setInitial(toProto(backoff.initial()));
            }
            if (backoff.maximum() != null) {
                wire.setMaximum(toProto(backoff.maximum()));
            }
            b.setBackoff(wire);
        }
        return b.build();
    }

    public static io.adagio.proto.Edge toProto(Edge edge) {
        return io.adagio.proto.Edge.newBuilder()
                .setSource(nullToEmpty(edge.source()))
                .setDestination(nullToEmpty(edge.destination()))
                .build();
    }

    public static Map<String, MetadataValue> toProto(Map<String, List<String>> metadata) {
        var out = new LinkedHashMap<String, MetadataValue>();
        metadata.forEach(
                (k, v) -> out.put(k, MetadataValue.newBuilder().addAllValues(v).build()));
        return out;
    }

    public static io.adagio.proto.Node.Result toProto(Result result) {
        return io.adagio.proto.Node.Result.newBuilder()
                .setConclusion(toProto(result.conclusion()))
                .putAllMetadata(toProto(result.metadata()))
                .setOutput(ByteString.copyFrom(result.output()))
                .setStartedAt(Timestamps.format(result.startedAt()))
                .setFinishedAt(Timestamps.format(result.finishedAt()))
                .setAgentId(result.agentId())
                .build();
    }

    public static io.adagio.proto.Claim toProto(Claim claim) {
        return io.adagio.proto.Claim.newBuilder()
                .setId(claim.id())
                .putAllMetadata(toProto(claim.metadata()))
                .build();
    }

    public static io.adagio.proto.Node toProto(Node node) {
        var b = io.adagio.proto.Node.newBuilder()
                .setSpec(toProto(node.spec()))
                .setStatus(toProto(node.status()))
                .addAllAttempts(
                        node.attempts().stream().map(WireMapping::toProto).toList())
                .setStartedAt(Timestamps.format(node.startedAt()))
                .setFinishedAt(Timestamps.format(node.finishedAt()))
                .setConclusion(toProto(node.conclusion()))
                .setNotBefore(Timestamps.format(node.notBefore()));
        node.inputs().forEach((k, v) -> b.putInputs(k, ByteString.copyFrom(v)));
        if (node.claim() != null) {
            b.setClaim(toProto(node.claim()));
        }
        return b.build();
    }

    public static io.adagio.proto.Run toProto(Run run) {
        return io.adagio.proto.Run.newBuilder()
                .setId(run.id())
                .setCreatedAt(Timestamps.format(run.createdAt()))
                .addAllNodes(run.nodes().stream().map(WireMapping::toProto).toList())
                .addAllEdges(run.edges().stream().map(WireMapping::toProto).toList())
                .setStatus(
                        switch (run.status()) {
                            case WAITING -> io.adagio.proto.Run.Status.WAITING;
                            case RUNNING -> io.adagio.proto.Run.Status.RUNNING;
                            case COMPLETED -> io.adagio.proto.Run.Status.COMPLETED;
                        })
                .setConclusion(toProto(run.conclusion()))
                .build();
    }

    public static io.adagio.proto.Agent toProto(Agent agent) {
        return io.adagio.proto.Agent.newBuilder()
                .setId(agent.id())
                .addAllRuntimes(agent.runtimes().stream()
                        .map(r ->
                                io.adagio.proto.Runtime.newBuilder().setName(r).build())
                        .toList())
                .build();
    }

    public static io.adagio.proto.Stats toProto(Stats stats) {
        var c = stats.nodeCounts();
        return io.adagio.proto.Stats.newBuilder()
                .setRunCount(stats.runCount())
                .setNodeCounts(io.adagio.proto.Stats.NodeCounts.newBuilder()
                        .setWaitingCount(c.waiting())
                        .setReadyCount(c.ready())
                        .setRunningCount(c.running())
                        .setCompletedCount(c.completed())
                        .setOrphanedCount(c.orphaned()))
                .build();
    }

    /**
     * @throws IllegalArgumentException for NODE_CANCELLED, which has no wire form (it goes to agents
     *                                  through the repository only)
     */
    public static io.adagio.proto.Event toProto(Event event) {
        return io.adagio.proto.Event.newBuilder()
                .setType(
                        switch (event.type()) {
                            case NODE_READY -> io.adagio.proto.Event.Type.NODE_READY;
                            case NODE_ORPHANED -> io.adagio.proto.Event.Type.NODE_ORPHANED;
                            case NODE_CANCELLED ->
                                throw new IllegalArgumentException("NODE_CANCELLED events have no wire form");
                        })
                .setRunID(event.runId())
                .setNodeSpec(toProto(event.node()))
                .build();
    }

    // ---- enums ----

    public static io.adagio.proto.Node.Status toProto(NodeStatus status) {
        return switch (status) {
            case NONE -> io.adagio.proto.Node.Status.NONE;
            case WAITING -> io.adagio.proto.Node.Status.WAITING;
            case READY -> io.adagio.proto.Node.Status.READY;
            case RUNNING -> io.adagio.proto.Node.Status.RUNNING;
            case COMPLETED -> io.adagio.proto.Node.Status.COMPLETED;
        };
    }

    public static NodeStatus nodeStatus(io.adagio.proto.Node.Status status) {
        return switch (status) {
            case NONE, UNRECOGNIZED -> NodeStatus.NONE;
            case WAITING -> NodeStatus.WAITING;
            case READY -> NodeStatus.READY;
            case RUNNING -> NodeStatus.RUNNING;
            case COMPLETED -> NodeStatus.COMPLETED;
        };
    }

    public static io.adagio.proto.Node.Result.Conclusion toProto(Conclusion conclusion) {
        return switch (conclusion) {
            case NONE -> io.adagio.proto.Node.Result.Conclusion.NONE;
            case SUCCESS -> io.adagio.proto.Node.Result.Conclusion.SUCCESS;
            case FAIL -> io.adagio.proto.Node.Result.Conclusion.FAIL;
            case ERROR -> io.adagio.proto.Node.Result.Conclusion.ERROR;
            case CANCELLED -> io.adagio.proto.Node.Result.Conclusion.CANCELLED;
        };
    }

    public static Conclusion conclusion(io.adagio.proto.Node.Result.Conclusion conclusion) {
        return switch (conclusion) {
            case NONE, UNRECOGNIZED -> Conclusion.NONE;
            case SUCCESS -> Conclusion.SUCCESS;
            case FAIL -> Conclusion.FAIL;
            case ERROR -> Conclusion.ERROR;
            case CANCELLED -> Conclusion.CANCELLED;
        };
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
