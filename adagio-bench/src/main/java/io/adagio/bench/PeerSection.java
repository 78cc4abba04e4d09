package io.adagio.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;

/** The report's {@code peer} section: JSON and table. */
final class PeerSection {
    static final String ENGINE = "Netflix Conductor 3.15.0, Redis, local";

    /** JSON keys of the workloads, in {@link PeerBench#workloads()} order. */
    static final List<String> KEYS = List.of("seven_node", "fan_out");

    private PeerSection() {}

    /**
     * {@code {"engine", "skipped", "settings": {...}, "seven_node": {...}, "fan_out": {...}}}; a
     * figure not measured is null, and {@code skipped} says why when the section was not measured.
     */
    static void json(ObjectNode section, PeerBench.Result peer, boolean quick) {
        section.put("engine", ENGINE);
        if (peer == null) {
            section.put(
                    "skipped",
                    quick
                            ? "not selected: -quick runs the peer only when -only names it (about 10 minutes on 2 cores)"
                            : "not selected (-only)");
        } else if (peer.skipped() != null) {
            section.put("skipped", peer.skipped());
        } else {
            section.putNull("skipped");
        }
        var settings = section.putObject("settings");
        if (peer != null) {
            peer.settings().forEach(settings::put);
        }
        for (int i = 0; i < KEYS.size(); i++) {
            var w = section.putObject(KEYS.get(i));
            var c = peer == null || i >= peer.comparisons().size()
                    ? null
                    : peer.comparisons().get(i);
            if (c == null) {
                w.putNull("workflows")
                        .putNull("tasks_per_workflow")
                        .putNull("adagio_workflows_per_s")
                        .putNull("conductor_workflows_per_s")
                        .putNull("adagio_tasks_per_s")
                        .putNull("conductor_tasks_per_s")
                        .putNull("ratio");
                continue;
            }
            double tasks = c.tasksPerWorkflow();
            w.put("workflows", c.workload().count());
            w.put("tasks_per_workflow", (int) tasks);
            w.put(
                    "adagio_workflows_per_s",
                    Report.round(c.adagioWorkflowsPerSecond().median(), 2));
            w.put(
                    "conductor_workflows_per_s",
                    Report.round(c.conductorWorkflowsPerSecond().median(), 3));
            w.put(
                    "adagio_tasks_per_s",
                    Report.round(c.adagioWorkflowsPerSecond().median() * tasks, 1));
            w.put(
                    "conductor_tasks_per_s",
                    Report.round(c.conductorWorkflowsPerSecond().median() * tasks, 2));
            // The same for workflows and tasks: both engines ran the same workflows of the same size.
            w.put("ratio", Report.round(c.workflowsRatio(), 1));
        }
    }

    static void print(PrintStream out, PeerBench.Result peer) {
        out.println();
        out.println("PEER  the same workloads on " + ENGINE
                + "; Adagio: agent pool on the memory repository; ratio = Adagio / Conductor");
        if (peer.skipped() != null) {
            out.println("  skipped: " + peer.skipped().replace("\n", "\n    "));
            return;
        }
        out.printf(
                "  %-34s %-26s %-26s %-26s %-26s %s%n",
                "workload",
                "Adagio workflows/s",
                "Conductor workflows/s",
                "Adagio tasks/s",
                "Conductor tasks/s",
                "ratio");
        for (var c : peer.comparisons()) {
            double tasks = c.tasksPerWorkflow();
            out.printf(
                    "  %-34s %-26s %-26s %-26s %-26s %s%n",
                    c.workload().name(),
                    c.adagioWorkflowsPerSecond().describe(),
                    c.conductorWorkflowsPerSecond().describe(),
                    scaled(c.adagioWorkflowsPerSecond(), tasks).describe(),
                    scaled(c.conductorWorkflowsPerSecond(), tasks).describe(),
                    Figure.format(c.workflowsRatio()) + "x");
        }
        out.println("  Conductor settings:");
        peer.settings().forEach((k, v) -> out.println("    " + k + " = " + v));
    }

    private static Figure scaled(Figure f, double by) {
        return new Figure(f.median() * by, f.min() * by, f.max() * by, f.trials());
    }
}
