package io.adagio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's peer section: figures, settings and skip notes in the JSON and the table. */
class PeerSectionTest {
    private static final Config CONFIG = Config.quick(8);

    @Test
    void measuredFiguresGiveWorkflowsTasksAndTheRatio() {
        var workloads = PeerBench.workloads();
        var report = new Report(CONFIG, "");
        report.peer = new PeerBench.Result(
                null,
                Map.of("conductor.db.type", "redis_standalone"),
                List.of(
                        new PeerBench.Comparison(workloads.get(0), figure(1_000), figure(4)),
                        new PeerBench.Comparison(workloads.get(1), figure(10), figure(0.05))));

        var peer = report.json().get("peer");

        assertThat(peer.get("skipped").isNull()).isTrue();
        assertThat(peer.get("settings").get("conductor.db.type").asText()).isEqualTo("redis_standalone");
        var seven = peer.get("seven_node");
        assertThat(seven.get("workflows").asInt()).isEqualTo(200);
        assertThat(seven.get("tasks_per_workflow").asInt()).isEqualTo(7);
        assertThat(seven.get("adagio_workflows_per_s").asDouble()).isEqualTo(1_000);
        assertThat(seven.get("conductor_tasks_per_s").asDouble()).isEqualTo(28);
        assertThat(seven.get("ratio").asDouble()).isEqualTo(250);
        var fan = peer.get("fan_out");
        assertThat(fan.get("tasks_per_workflow").asInt()).isEqualTo(1_002);
        assertThat(fan.get("adagio_tasks_per_s").asDouble()).isEqualTo(10_020);
        assertThat(fan.get("ratio").asDouble()).isEqualTo(200);

        var table = print(report);
        assertThat(table).contains("PEER", "Conductor settings", "conductor.db.type = redis_standalone", "250x");
    }

    @Test
    void aSkippedPeerSaysWhyAndLeavesItsFiguresNull() throws Exception {
        var report = new Report(CONFIG, "");
        report.peer = PeerBench.Result.skipped("redis-server was not found on the PATH");

        var peer = report.json().get("peer");

        assertThat(peer.get("skipped").asText()).contains("redis-server");
        assertThat(peer.get("seven_node").get("ratio").isNull()).isTrue();
        assertThat(peer.get("fan_out").get("conductor_workflows_per_s").isNull())
                .isTrue();
        assertThat(print(report)).contains("skipped: redis-server was not found");
        // The rest of the report keeps its shape.
        assertThat(new ObjectMapper().readTree(report.json().toString()).fieldNames())
                .toIterable()
                .containsExactly("memory", "etcd", "scaling", "large", "footprint", "cli", "peer");
    }

    @Test
    void aPeerNotSelectedIsNotedAsSuch() {
        var peer = new Report(CONFIG, "").json().get("peer");
        assertThat(peer.get("skipped").asText())
                .contains("not selected", "-quick runs the peer only when -only names it");
        assertThat(peer.get("engine").asText()).contains("Conductor 3.15");
        assertThat(new Report(Config.full(8), "")
                        .json()
                        .get("peer")
                        .get("skipped")
                        .asText())
                .isEqualTo("not selected (-only)");
    }

    private static Figure figure(double v) {
        return Figure.of(List.of(v, v, v));
    }

    private static String print(Report report) {
        var bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
