package io.adagio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.agent.runtime.Runtime;
import io.adagio.core.graph.GraphValidator;
import io.adagio.core.model.Result;
import io.adagio.memory.MemoryRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The harness on a tiny configuration: its pieces run and agree with each other. No figure is
 * asserted: benchmarks are measured, not tested.
 */
class HarnessSmokeTest {

    @Test
    void shapesAreValidGraphsOfTheirSize() {
        var validator = new GraphValidator();
        assertThat(validator.validate(Shapes.fanOutFanIn(52)).nodes()).hasSize(52);
        assertThat(validator.validate(Shapes.fanOutFanIn(52)).edges()).hasSize(100);
        assertThat(validator.validate(Shapes.sevenNodes()).nodes()).hasSize(7);
        assertThat(validator.validate(Shapes.chain(10)).edges()).hasSize(9);
    }

    @Test
    void theAgentPoolExecutesEveryNodeOfAWorkloadAndReadinessIsTimed() throws Exception {
        var runner = new PoolRunner(2, 1, true, Duration.ofMinutes(1));
        var w = Workload.of("tiny", Shapes.fanOutFanIn(12), 3);
        var trial = runner.run(w, () -> {
            var repository = new MemoryRepository();
            return new PoolRunner.Backend(repository, repository);
        });
        assertThat(trial.nodes()).isEqualTo(36);
        assertThat(trial.claims() - trial.claimsLost()).isEqualTo(36);
        assertThat(trial.readyToClaimNanos()).hasSize(36);
        assertThat(java.util.Arrays.stream(trial.readyToClaimNanos()).min().orElseThrow())
                .isNotNegative();
    }

    @Test
    void theBaselineExecutesEveryNodeOfEveryGraphExactlyOnce() throws Exception {
        var graphs = List.of(Shapes.fanOutFanIn(20), Shapes.sevenNodes(), Shapes.chain(5));
        var executions = new ConcurrentHashMap<String, AtomicInteger>();
        var counting = Runtime.of(Shapes.RUNTIME, context -> {
            executions
                    .computeIfAbsent(context.runId() + "/" + context.nodeName(), k -> new AtomicInteger())
                    .incrementAndGet();
            return Result.success(context.nodeName());
        });

        new InProcessBaseline(2, counting).execute(graphs, Duration.ofMinutes(1));

        var expected = new ArrayList<String>();
        for (int r = 0; r < graphs.size(); r++) {
            for (var node : graphs.get(r).nodes()) {
                expected.add("run-" + r + "/" + node.name());
            }
        }
        assertThat(executions.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(executions.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    }

    @Test
    void theBareBaselineRunsEveryGraphToItsEnd() throws Exception {
        var graphs = List.of(Shapes.fanOutFanIn(20), Shapes.sevenNodes(), Shapes.chain(5));
        // execute returns only once every node has run (it counts them down), and throws on timeout.
        assertThat(new InProcessBaseline(2, false).execute(graphs, Duration.ofMinutes(1)))
                .isPositive();
    }

    @Test
    void figuresAreMediansWithTheirSpread() {
        var f = Figure.of(List.of(3.0, 1.0, 2.0, 10.0));
        assertThat(f.median()).isEqualTo(2.5);
        assertThat(f.min()).isEqualTo(1.0);
        assertThat(f.max()).isEqualTo(10.0);
        assertThat(Latencies.percentileMs(new long[] {1_000_000, 2_000_000, 3_000_000, 4_000_000}, 50))
                .isEqualTo(2.0);
        assertThat(Latencies.percentileMs(new long[] {1_000_000, 2_000_000, 3_000_000, 4_000_000}, 99))
                .isEqualTo(4.0);
    }

    @Test
    void theJsonHasTheShapeOfIssues7And17AndThePeerSection() {
        var report = new Report(Config.quick(2), "");
        var json = report.json();
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly("memory", "etcd", "scaling", "large", "footprint", "cli", "peer");
        assertThat(json.get("large").fieldNames())
                .toIterable()
                .containsExactly("memory_100k_s", "etcd_100k_s", "memory_ratio_100k_to_1k", "etcd_ratio_100k_to_1k");
        assertThat(json.get("memory").fieldNames())
                .toIterable()
                .containsExactly("nodes_per_s", "baseline_nodes_per_s", "ratio");
        assertThat(json.get("etcd").fieldNames())
                .toIterable()
                .containsExactly(
                        "nodes_per_s", "raw_txn_per_s", "efficiency", "ready_to_claim_p50_ms", "ready_to_claim_p99_ms");
        assertThat(json.get("scaling").fieldNames()).toIterable().containsExactly("memory_ratio", "etcd_ratio");
        assertThat(json.get("footprint").fieldNames())
                .toIterable()
                .containsExactly("adagiod_idle_rss_mb", "cli_roundtrip_ms");
        assertThat(json.get("cli").fieldNames())
                .toIterable()
                .containsExactly("ours_ms", "reference_ms", "ratio", "reference");
    }

    @Test
    void theCliIsComparedWithItsReferenceByMedians() {
        var report = new Report(Config.quick(2), "");
        report.footprint = new FootprintBench.Result(
                Figure.of(List.of(180.0)),
                Figure.of(List.of(100.0, 120.0, 300.0)),
                null,
                Figure.of(List.of(20.0, 10.0, 30.0)));
        var cli = report.json().get("cli");
        assertThat(cli.get("ours_ms").asDouble()).isEqualTo(120.0);
        assertThat(cli.get("reference_ms").asDouble()).isEqualTo(20.0);
        assertThat(cli.get("ratio").asDouble()).isEqualTo(6.0);
        assertThat(cli.get("reference").asText()).contains("curl");
    }

    @Test
    void theCostPlotHasALinePerBackendAndShape(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var report = new Report(Config.quick(2), "");
        report.scalingMemory = new ScalingBench.Result(
                "memory",
                List.of(
                        new ScalingBench.Point(10, 100, Figure.of(List.of(5.0))),
                        new ScalingBench.Point(10_000, 1, Figure.of(List.of(4.5)))));
        report.largeMemory = new LargeBench.Result(
                "memory", Figure.of(List.of(0.6)), Figure.of(List.of(5.0)), Figure.of(List.of(6.0)));
        var file = dir.resolve("cost.svg");
        CostPlot.write(CostPlot.of(report), file);
        var svg = java.nio.file.Files.readString(file);
        assertThat(svg).startsWith("<svg").contains("memory, fan-out/fan-in", "memory, layered", "100,000");
        assertThat(svg.split("<polyline", -1)).hasSize(3);
    }

    @Test
    void theSoakPlotIsAnSvgWithALinePerSeries() throws Exception {
        var samples = List.of(
                new SoakSample(0, 0, Double.NaN, 0, 1 << 20, 1 << 19, 30 << 20, Double.NaN, 150),
                new SoakSample(5, 500, 100, 500, 3 << 20, 1 << 20, 40 << 20, 25 << 20, 160),
                new SoakSample(10, 1000, 100, 700, 3 << 20, 1 << 20, 35 << 20, 26 << 20, 161));
        var svg = SoakPlot.svg(
                "a <soak>",
                samples,
                List.of(
                        new SoakPlot.Panel(
                                "MiB",
                                SoakPlot.MIB,
                                List.of(
                                        new SoakPlot.Series("etcd", "#d62728", SoakSample::dbBytes, false),
                                        new SoakPlot.Series("live", "#2ca02c", SoakSample::liveHeapBytes, true))),
                        new SoakPlot.Panel(
                                "runs/s",
                                1,
                                List.of(new SoakPlot.Series("rate", "#555", SoakSample::runsPerSecond, false)))));
        var document = javax.xml.parsers.DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
        // etcd: 3 points; live: 2 (the first is missing); rate: 2.
        assertThat(document.getElementsByTagName("polyline").getLength()).isEqualTo(3);
        assertThat(svg).contains("a &lt;soak&gt;");
        assertThat(SoakPlot.niceCeiling(3.2)).isEqualTo(5);
        assertThat(SoakPlot.niceCeiling(120)).isEqualTo(200);
    }
}
