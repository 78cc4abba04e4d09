package io.adagio.bench.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark graph as Conductor metadata. Conductor has no arbitrary DAGs, only sequences with
 * FORK_JOIN/JOIN, so the graph runs layer by layer: a node's layer is the length of the longest path
 * to it; a layer of one node is a SIMPLE task, a wider layer a FORK_JOIN of one-task branches and a
 * JOIN on all of them. Every edge goes from an earlier layer to a later one, so every dependency
 * holds (and a few that the graph does not have are added: the seven-node example's f waits for c
 * and d too). Every node is a SIMPLE task of one task type, polled by the bench's workers.
 */
public final class ConductorDefinitions {
    public static final String TASK_TYPE = "adagio_bench_noop";
    static final String OWNER = "bench@adagio.invalid";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ConductorDefinitions() {}

    /** The graph's nodes by layer: layer 0 the roots, each later layer after all its upstream nodes. */
    static List<List<String>> layers(GraphSpec graph) {
        Map<String, List<String>> upstream = new HashMap<>();
        for (NodeSpec n : graph.nodes()) {
            upstream.put(n.name(), new ArrayList<>());
        }
        for (Edge e : graph.edges()) {
            var list = upstream.get(e.destination());
            if (list == null || !upstream.containsKey(e.source())) {
                throw new IllegalArgumentException(
                        "edge " + e.source() + " -> " + e.destination() + " names a node that is not in the graph");
            }
            list.add(e.source());
        }
        Map<String, Integer> depth = new HashMap<>();
        var layers = new ArrayList<List<String>>();
        for (NodeSpec n : graph.nodes()) {
            int d = depth(n.name(), upstream, depth, graph.nodes().size());
            while (layers.size() <= d) {
                layers.add(new ArrayList<>());
            }
        }
        for (NodeSpec n : graph.nodes()) {
            layers.get(depth.get(n.name())).add(n.name());
        }
        return layers.stream().map(List::copyOf).toList();
    }

    private static int depth(String node, Map<String, List<String>> upstream, Map<String, Integer> depth, int limit) {
        // Iterative, so that a 1,000-node chain cannot overflow the stack.
        var stack = new ArrayList<String>();
        stack.add(node);
        while (!stack.isEmpty()) {
            if (stack.size() > limit + 1) {
                throw new IllegalArgumentException("the graph has a cycle through " + node);
            }
            var top = stack.getLast();
            if (depth.containsKey(top)) {
                stack.removeLast();
                continue;
            }
            int d = 0;
            boolean ready = true;
            for (var up : upstream.get(top)) {
                Integer ud = depth.get(up);
                if (ud == null) {
                    stack.add(up);
                    ready = false;
                } else {
                    d = Math.max(d, ud + 1);
                }
            }
            if (ready) {
                depth.put(top, d);
                stack.removeLast();
            }
        }
        return depth.get(node);
    }

    /** The workflow definition (for {@code PUT /api/metadata/workflow}, in a list). */
    public static ObjectNode workflow(String name, GraphSpec graph) {
        var wf = MAPPER.createObjectNode();
        wf.put("name", name);
        wf.put("description", "adagio-bench: " + graph.nodes().size() + " no-op tasks, layered");
        wf.put("version", 1);
        wf.put("schemaVersion", 2);
        wf.put("ownerEmail", OWNER);
        wf.put("restartable", false);
        wf.put("workflowStatusListenerEnabled", false);
        wf.put("timeoutPolicy", "ALERT_ONLY");
        wf.put("timeoutSeconds", 0);
        var tasks = wf.putArray("tasks");
        var layers = layers(graph);
        for (int i = 0; i < layers.size(); i++) {
            var layer = layers.get(i);
            if (layer.size() == 1) {
                tasks.add(simple(layer.getFirst()));
                continue;
            }
            var fork = tasks.addObject();
            fork.put("name", "fork_" + i);
            fork.put("taskReferenceName", "fork_" + i);
            fork.put("type", "FORK_JOIN");
            ArrayNode branches = fork.putArray("forkTasks");
            for (var node : layer) {
                branches.addArray().add(simple(node));
            }
            var join = tasks.addObject();
            join.put("name", "join_" + i);
            join.put("taskReferenceName", "join_" + i);
            join.put("type", "JOIN");
            var on = join.putArray("joinOn");
            layer.forEach(node -> on.add(reference(node)));
        }
        return wf;
    }

    /** The one task definition every node uses (for {@code POST /api/metadata/taskdefs}, in a list). */
    public static ObjectNode taskDefinition() {
        var t = MAPPER.createObjectNode();
        t.put("name", TASK_TYPE);
        t.put("description", "adagio-bench: a no-op task, completed as soon as it is polled");
        t.put("ownerEmail", OWNER);
        t.put("retryCount", 0);
        t.put("timeoutSeconds", 0);
        t.put("responseTimeoutSeconds", 600);
        t.put("timeoutPolicy", "TIME_OUT_WF");
        return t;
    }

    private static ObjectNode simple(String node) {
        var t = MAPPER.createObjectNode();
        t.put("name", TASK_TYPE);
        t.put("taskReferenceName", reference(node));
        t.put("type", "SIMPLE");
        return t;
    }

    /** Conductor's task reference for a node: its name, which the bench's shapes keep plain. */
    static String reference(String node) {
        return node.replace('-', '_');
    }
}
