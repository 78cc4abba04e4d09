package io.adagio.cli;

import io.adagio.cli.JsonReader.JsonNumber;
import io.adagio.cli.JsonReader.Keep;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The wire's JSON (the HTTP/JSON API: protobuf's JSON mapping of the {@code adagio.*} messages) read
 * into the domain model, as protobuf's parser and the wire mapping together would read it: absent
 * fields are their defaults, names may be snake_case or lowerCamelCase, enums names or numbers,
 * int64 strings or numbers, bytes base64. Anything else it does not expect is an
 * {@link IllegalArgumentException}: the lean path then leaves the command to the full client.
 */
final class WireJson {
    private static final List<String> NODE_STATUSES = names(NodeStatus.values());
    private static final List<String> CONCLUSIONS = names(Conclusion.values());
    private static final List<String> RUN_STATUSES = List.of("WAITING", "RUNNING", "COMPLETED");

    private WireJson() {}

    /**
     * The fields of a {@code ListRunsResponse} that a listing shows or derives from, for
     * {@link JsonReader#parse(byte[], Keep)}: each run's id, creation time, status and conclusion;
     * its nodes' statuses, conclusions and finishing times, and their attempts' conclusions (for a
     * server that sends no node conclusion). Nothing of specs, outputs, inputs, claims, edges or
     * the other times: most of a listing's bytes, and of its reading.
     */
    static final Keep LISTED = Keep.only(Map.of(
            "runs",
            Keep.only(Map.of(
                    "id",
                    Keep.ALL,
                    "created_at",
                    Keep.ALL,
                    "createdAt",
                    Keep.ALL,
                    "status",
                    Keep.ALL,
                    "conclusion",
                    Keep.ALL,
                    "nodes",
                    Keep.only(Map.of(
                            "status", Keep.ALL,
                            "conclusion", Keep.ALL,
                            "finished_at", Keep.ALL,
                            "finishedAt", Keep.ALL,
                            "attempts", Keep.only(Map.of("conclusion", Keep.ALL))))))));

    static List<Run> runs(Object listRunsResponse) {
        return each(list(object(listRunsResponse), "runs", "runs"), WireJson::run);
    }

    /**
     * The runs of a {@code ListRunsResponse} read with {@link #LISTED}: only what a listing shows is
     * read into them (no specs, edges or inputs; of the times, each node's finishing time), and a node
     * keeps only its last attempt, whose conclusion is the node's for a server that sends none. A
     * cold JVM interprets this code: a listing of 200 runs took 18 ms read whole, most of the work
     * after the answer arrived.
     */
    static List<Run> listedRuns(Object listRunsResponse) {
        return each(list(object(listRunsResponse), "runs", "runs"), WireJson::listedRun);
    }

    private static Run listedRun(Object json) {
        var r = object(json);
        return new Run(
                string(r, "id", "id"),
                Rfc3339.parse(string(r, "created_at", "createdAt")),
                each(list(r, "nodes", "nodes"), WireJson::listedNode),
                List.of(),
                runStatus(r),
                conclusion(r, "conclusion"));
    }

    private static final NodeSpec LISTED_SPEC = new NodeSpec("", "", Map.of(), Map.of(), null);

    private static Node listedNode(Object json) {
        var n = object(json);
        int status = enumNumber(n, "status", NODE_STATUSES);
        var attempts = list(n, "attempts", "attempts");
        return new Node(
                LISTED_SPEC,
                status >= 0 && status < NodeStatus.values().length ? NodeStatus.values()[status] : NodeStatus.NONE,
                attempts.isEmpty()
                        ? List.of()
                        : List.of(new Result(
                                conclusion(object(attempts.getLast()), "conclusion"), Map.of(), EMPTY, null, null, "")),
                null,
                Rfc3339.parse(string(n, "finished_at", "finishedAt")),
                Map.of(),
                null,
                conclusion(n, "conclusion"),
                null,
                false);
    }

    private static final byte[] EMPTY = new byte[0];

    static List<Agent> agents(Object listAgentsResponse) {
        return list(object(listAgentsResponse), "agents", "agents").stream()
                .map(WireJson::agent)
                .toList();
    }

    /** A {@code StatsResponse}. */
    static Stats stats(Object statsResponse) {
        var s = object(object(statsResponse).get("stats"));
        var c = object(s.get(s.containsKey("node_counts") ? "node_counts" : "nodeCounts"));
        return new Stats(
                int64(s, "run_count", "runCount"),
                new Stats.NodeCounts(
                        int64(c, "waiting_count", "waitingCount"),
                        int64(c, "ready_count", "readyCount"),
                        int64(c, "running_count", "runningCount"),
                        int64(c, "completed_count", "completedCount"),
                        int64(c, "orphaned_count", "orphanedCount")));
    }

    static Run run(Object json) {
        var r = object(json);
        return new Run(
                string(r, "id", "id"),
                Rfc3339.parse(string(r, "created_at", "createdAt")),
                each(list(r, "nodes", "nodes"), WireJson::node),
                each(list(r, "edges", "edges"), WireJson::edge),
                runStatus(r),
                conclusion(r, "conclusion"));
    }

    private static RunStatus runStatus(Map<String, Object> run) {
        return switch (enumNumber(run, "status", RUN_STATUSES)) {
            case 0 -> RunStatus.WAITING;
            case 1 -> RunStatus.RUNNING;
            case 2 -> RunStatus.COMPLETED;
            default -> throw new IllegalArgumentException("unknown run status");
        };
    }

    private static Node node(Object json) {
        var n = object(json);
        var inputs = new LinkedHashMap<String, byte[]>();
        object(n.getOrDefault("inputs", Map.of())).forEach((k, v) -> inputs.put(k, bytes(v)));
        var claim = n.get("claim");
        int status = enumNumber(n, "status", NODE_STATUSES);
        return new Node(
                spec(n.getOrDefault("spec", Map.of())),
                status >= 0 && status < NodeStatus.values().length ? NodeStatus.values()[status] : NodeStatus.NONE,
                each(list(n, "attempts", "attempts"), WireJson::result),
                Rfc3339.parse(string(n, "started_at", "startedAt")),
                Rfc3339.parse(string(n, "finished_at", "finishedAt")),
                inputs,
                claim == null ? null : claim(claim),
                conclusion(n, "conclusion"),
                Rfc3339.parse(string(n, "not_before", "notBefore")),
                false);
    }

    private static NodeSpec spec(Object json) {
        var s = object(json);
        var retry = new LinkedHashMap<String, RetryRule>();
        object(s.getOrDefault("retry", Map.of())).forEach((k, v) -> {
            var rule = object(v);
            var backoff = rule.get("backoff");
            retry.put(
                    k,
                    new RetryRule(
                            (int) int64(rule, "max_attempts", "maxAttempts"),
                            backoff == null ? null : backoff(backoff)));
        });
        var timeout = s.get("timeout");
        return new NodeSpec(
                string(s, "name", "name"),
                string(s, "runtime", "runtime"),
                metadata(s),
                retry,
                timeout == null ? null : duration(timeout));
    }

    private static RetryRule.Backoff backoff(Object json) {
        var b = object(json);
        var initial = b.get("initial");
        var maximum = b.get("maximum");
        var multiplier = b.get("multiplier");
        return new RetryRule.Backoff(
                initial == null ? null : duration(initial),
                maximum == null ? null : duration(maximum),
                multiplier == null ? 0 : Double.parseDouble(text(multiplier)));
    }

    private static Result result(Object json) {
        var r = object(json);
        return new Result(
                conclusion(r, "conclusion"),
                metadata(r),
                bytes(r.get("output")),
                Rfc3339.parse(string(r, "started_at", "startedAt")),
                Rfc3339.parse(string(r, "finished_at", "finishedAt")),
                string(r, "agent_id", "agentId"));
    }

    private static Claim claim(Object json) {
        var c = object(json);
        return new Claim(string(c, "id", "id"), metadata(c));
    }

    private static Edge edge(Object json) {
        var e = object(json);
        return new Edge(string(e, "source", "source"), string(e, "destination", "destination"));
    }

    private static Agent agent(Object json) {
        var a = object(json);
        return new Agent(
                string(a, "id", "id"),
                list(a, "runtimes", "runtimes").stream()
                        .map(r -> string(object(r), "name", "name"))
                        .toList());
    }

    /** A {@code map<string, MetadataValue>} field named metadata. */
    private static Map<String, List<String>> metadata(Map<String, Object> message) {
        var out = new LinkedHashMap<String, List<String>>();
        object(message.getOrDefault("metadata", Map.of()))
                .forEach((k, v) -> out.put(
                        k,
                        list(object(v), "values", "values").stream()
                                .map(WireJson::text)
                                .toList()));
        return out;
    }

    /**
     * A {@code google.protobuf.Duration} as JSON writes it, {@code "1.500s"}; one beyond the wire's
     * range is clamped to it, as the wire mapping does.
     */
    static Duration duration(Object json) {
        String t = text(json);
        if (!t.endsWith("s")) {
            throw new IllegalArgumentException("invalid duration " + t);
        }
        t = t.substring(0, t.length() - 1);
        boolean negative = t.startsWith("-");
        if (negative) {
            t = t.substring(1);
        }
        int dot = t.indexOf('.');
        long seconds = Long.parseLong(dot < 0 ? t : t.substring(0, dot));
        int nanos = 0;
        if (dot >= 0) {
            String fraction = t.substring(dot + 1);
            if (fraction.isEmpty() || fraction.length() > 9 || !fraction.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("invalid duration " + text(json));
            }
            nanos = Integer.parseInt((fraction + "000000000").substring(0, 9));
        }
        long max = 315_576_000_000L;
        seconds = Math.clamp(seconds, 0, max);
        return negative ? Duration.ofSeconds(-seconds, -nanos) : Duration.ofSeconds(seconds, nanos);
    }

    private static Conclusion conclusion(Map<String, Object> message, String field) {
        int n = enumNumber(message, field, CONCLUSIONS);
        return n >= 0 && n < Conclusion.values().length ? Conclusion.values()[n] : Conclusion.NONE;
    }

    private static List<String> names(Enum<?>[] values) {
        var names = new ArrayList<String>(values.length);
        for (var v : values) {
            names.add(v.name());
        }
        return names;
    }

    /** An enum field's number: 0 when absent, the number of its name, or the number written; -1 for an unknown name. */
    private static int enumNumber(Map<String, Object> message, String field, List<String> names) {
        var value = message.get(field);
        if (value == null) {
            return 0;
        }
        if (value instanceof JsonNumber n) {
            return Integer.parseInt(n.text());
        }
        return names.indexOf(text(value));
    }

    private static byte[] bytes(Object json) {
        if (json == null) {
            return new byte[0];
        }
        String t = text(json);
        return t.indexOf('-') >= 0 || t.indexOf('_') >= 0
                ? Base64.getUrlDecoder().decode(t)
                : Base64.getDecoder().decode(t);
    }

    private static long int64(Map<String, Object> message, String name, String camel) {
        var value = message.containsKey(name) ? message.get(name) : message.get(camel);
        return value == null ? 0 : Long.parseLong(text(value));
    }

    private static String string(Map<String, Object> message, String name, String camel) {
        var value = message.containsKey(name) ? message.get(name) : message.get(camel);
        return value == null ? "" : text(value);
    }

    private static List<Object> list(Map<String, Object> message, String name, String camel) {
        var value = message.containsKey(name) ? message.get(name) : message.get(camel);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            var list = (List<Object>) l;
            return list;
        }
        throw new IllegalArgumentException(name + " is not a list");
    }

    /** {@code f} of each element; a loop, not a stream: a cold JVM runs it several times faster. */
    private static <T> List<T> each(List<Object> list, Function<Object, T> f) {
        var out = new ArrayList<T>(list.size());
        for (var element : list) {
            out.add(f.apply(element));
        }
        return out;
    }

    private static String text(Object value) {
        // instanceof, not a pattern switch: its bootstrap generates a class at run time, a cost
        // on every start of the lean path.
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof JsonNumber n) {
            return n.text();
        }
        throw new IllegalArgumentException("expected a string or a number, got " + value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("expected a JSON object");
    }
}
