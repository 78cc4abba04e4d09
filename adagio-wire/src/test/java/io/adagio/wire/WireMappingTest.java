package io.adagio.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireMappingTest {
    private static final NodeSpec FETCH = new NodeSpec(
            "fetch",
            "exec",
            Map.of("adagio.arguments.exec.command", List.of("curl"), "adagio.arguments.exec.args", List.of("-s", "x")),
            Map.of("error", RetryRule.maxAttempts(3), "fail", RetryRule.maxAttempts(1)));

    @Test
    void graphSpecsRoundTrip() {
        var spec = new GraphSpec(List.of(FETCH, new NodeSpec("report", "debug")), List.of(new Edge("fetch", "report")));
        var proto = WireMapping.toProto(spec);
        assertThat(proto.getNodes(0).getRetryOrThrow("error").getMaxAttempts()).isEqualTo(3);
        assertThat(proto.getNodes(0)
                        .getMetadataOrThrow("adagio.arguments.exec.args")
                        .getValuesList())
                .containsExactly("-s", "x");
        assertThat(WireMapping.fromProto(proto)).isEqualTo(spec);
    }

    @Test
    void nodesRoundTripWithEveryField() {
        var inputs = new LinkedHashMap<String, byte[]>();
        inputs.put("up", new byte[] {0, 1, (byte) 0xfe});
        var node = new Node(
                FETCH,
                NodeStatus.COMPLETED,
                List.of(
                        Result.fail("first"),
                        new Result(Conclusion.SUCCESS, Map.of("exit", List.of("0")), new byte[] {(byte) 0xff})),
                Instant.parse("2026-11-27T15:34:23.123456789Z"),
                Instant.parse("2026-11-27T15:34:24.000000001Z"),
                inputs,
                new Claim("c1", Map.of("agent", List.of("pool-1"))));
        assertThat(WireMapping.fromProto(WireMapping.toProto(node))).isEqualTo(node);

        var fresh = new Node(new NodeSpec("a", "debug"), NodeStatus.WAITING, List.of(), null, null, Map.of(), null);
        var proto = WireMapping.toProto(fresh);
        assertThat(proto.hasClaim()).isFalse();
        assertThat(proto.getStartedAt()).isEmpty();
        assertThat(WireMapping.fromProto(proto)).isEqualTo(fresh);
    }

    @Test
    void runsRoundTripInEveryStatus() {
        for (var status : RunStatus.values()) {
            var run = new Run(
                    "01JDQ6ZQ4Y0000000000000000",
                    Instant.parse("2026-11-27T15:34:23.5Z"),
                    List.of(new Node(
                            new NodeSpec("a", "debug"), NodeStatus.READY, List.of(), null, null, Map.of(), null)),
                    List.of(),
                    status);
            var proto = WireMapping.toProto(run);
            assertThat(proto.getCreatedAt()).isEqualTo("2026-11-27T15:34:23.500000000Z");
            assertThat(proto.getStatus().getNumber()).isEqualTo(status.ordinal());
            assertThat(WireMapping.fromProto(proto)).isEqualTo(run);
        }
    }

    @Test
    void enumsKeepTheOriginalWireNumbers() {
        for (var s : NodeStatus.values()) {
            assertThat(WireMapping.toProto(s).getNumber()).as(s.name()).isEqualTo(s.ordinal());
            assertThat(WireMapping.toProto(s).name()).isEqualTo(s.name());
            assertThat(WireMapping.nodeStatus(WireMapping.toProto(s))).isEqualTo(s);
        }
        for (var c : Conclusion.values()) {
            assertThat(WireMapping.toProto(c).getNumber()).as(c.name()).isEqualTo(c.ordinal());
            assertThat(WireMapping.conclusion(WireMapping.toProto(c))).isEqualTo(c);
        }
        for (var t : List.of(Event.Type.NODE_READY, Event.Type.NODE_ORPHANED)) {
            var proto = WireMapping.toProto(new Event(t, "r", new NodeSpec("a", "debug")));
            assertThat(proto.getType().getNumber()).isEqualTo(t.ordinal());
            assertThat(proto.getType().name()).isEqualTo(t.name());
        }
        assertThatThrownBy(() -> WireMapping.toProto(Event.cancelled("r", new NodeSpec("a", "debug"), "c")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no wire form");
        assertThat(WireMapping.toProto(Conclusion.CANCELLED))
                .isEqualTo(io.adagio.proto.Node.Result.Conclusion.CANCELLED);
        // An enum value from a newer peer reads as NONE rather than failing.
        assertThat(WireMapping.nodeStatus(io.adagio.proto.Node.Status.UNRECOGNIZED))
                .isEqualTo(NodeStatus.NONE);
        assertThat(WireMapping.conclusion(io.adagio.proto.Node.Result.Conclusion.UNRECOGNIZED))
                .isEqualTo(Conclusion.NONE);
    }

    @Test
    void resultsClaimsAndAgentsRoundTrip() {
        var result = new Result(Conclusion.ERROR, Map.of("k", List.of("a", "b")), new byte[] {1, 2, 3});
        assertThat(WireMapping.fromProto(WireMapping.toProto(result))).isEqualTo(result);
        var claim = new Claim("id-1", Map.of("host", List.of("h1")));
        assertThat(WireMapping.fromProto(WireMapping.toProto(claim))).isEqualTo(claim);
        var agent = new Agent("agent-1", List.of("debug", "exec"));
        assertThat(WireMapping.fromProto(WireMapping.toProto(agent))).isEqualTo(agent);
    }

    @Test
    void statsAndEventsCarryEveryField() {
        var stats = WireMapping.toProto(new Stats(7, new Stats.NodeCounts(1, 2, 3, 4, 5)));
        assertThat(stats.getRunCount()).isEqualTo(7);
        assertThat(stats.getNodeCounts().getWaitingCount()).isEqualTo(1);
        assertThat(stats.getNodeCounts().getReadyCount()).isEqualTo(2);
        assertThat(stats.getNodeCounts().getRunningCount()).isEqualTo(3);
        assertThat(stats.getNodeCounts().getCompletedCount()).isEqualTo(4);
        assertThat(stats.getNodeCounts().getOrphanedCount()).isEqualTo(5);

        var event = WireMapping.toProto(Event.orphaned("run-9", FETCH));
        assertThat(event.getRunID()).isEqualTo("run-9");
        assertThat(WireMapping.fromProto(event.getNodeSpec())).isEqualTo(FETCH);
    }

    @Test
    void runControlFieldsRoundTrip() {
        var backoff = new RetryRule.Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 1.5);
        var spec = new NodeSpec(
                        "flaky",
                        "exec",
                        Map.of(),
                        Map.of(
                                "fail",
                                new RetryRule(3, backoff),
                                "error",
                                new RetryRule(2, RetryRule.Backoff.of(Duration.ofSeconds(1)))))
                .withTimeout(Duration.ofMillis(1500));
        var proto = WireMapping.toProto(spec);
        assertThat(proto.getTimeout().getSeconds()).isEqualTo(1);
        assertThat(proto.getTimeout().getNanos()).isEqualTo(500_000_000);
        assertThat(proto.getRetryOrThrow("fail").getBackoff().getMultiplier()).isEqualTo(1.5);
        assertThat(proto.getRetryOrThrow("error").getBackoff().hasMaximum()).isFalse();
        assertThat(WireMapping.fromProto(proto)).isEqualTo(spec);

        var started = Instant.parse("2026-11-27T15:34:23.123456789Z");
        var attempt = Result.cancelled("stopped").stamped(started, started.plusSeconds(2), "agent-1");
        assertThat(WireMapping.toProto(attempt).getAgentId()).isEqualTo("agent-1");
        assertThat(WireMapping.toProto(attempt).getStartedAt()).isEqualTo("2026-11-27T15:34:23.123456789Z");
        assertThat(WireMapping.fromProto(WireMapping.toProto(attempt))).isEqualTo(attempt);

        var waiting = new Node(
                spec,
                NodeStatus.READY,
                List.of(Result.fail("1").stamped(started, started, "a")),
                null,
                null,
                Map.of(),
                null,
                Conclusion.NONE,
                started.plusSeconds(5),
                false);
        assertThat(WireMapping.toProto(waiting).getNotBefore()).isEqualTo("2026-11-27T15:34:28.123456789Z");
        assertThat(WireMapping.fromProto(WireMapping.toProto(waiting))).isEqualTo(waiting);

        var done = new Node(
                spec,
                NodeStatus.COMPLETED,
                List.of(),
                started,
                started,
                Map.of(),
                null,
                Conclusion.CANCELLED,
                null,
                false);
        assertThat(WireMapping.toProto(done).getConclusion())
                .isEqualTo(io.adagio.proto.Node.Result.Conclusion.CANCELLED);
        var run = new Run("r", started, List.of(done), List.of(), RunStatus.COMPLETED, Conclusion.CANCELLED);
        assertThat(WireMapping.toProto(run).getConclusion())
                .isEqualTo(io.adagio.proto.Node.Result.Conclusion.CANCELLED);
        assertThat(WireMapping.fromProto(WireMapping.toProto(run))).isEqualTo(run);
    }

    @Test
    void aWireDurationBeyondItsRangeIsClampedNotAnError() {
        var huge = com.google.protobuf.Duration.newBuilder()
                .setSeconds(Long.MAX_VALUE)
                .setNanos(999_999_999)
                .build();
        assertThat(WireMapping.fromProto(huge)).isGreaterThan(Duration.ofDays(365));
    }
}
