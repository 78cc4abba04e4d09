package io.adagio.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Reading a run as the HTTP/JSON API answers it (protobuf JSON, snake_case, defaults included), and
 * writing the small specs the run-control tests start.
 */
final class RunJson {
    private RunJson() {}

    static JsonNode node(JsonNode run, String name) {
        for (var node : run.path("nodes")) {
            if (name(node).equals(name)) {
                return node;
            }
        }
        throw new AssertionError("no node " + name + " in " + run);
    }

    /** A node's name, from its spec. */
    static String name(JsonNode node) {
        return node.path("spec").path("name").asText();
    }

    static List<String> conclusions(JsonNode node) {
        var out = new ArrayList<String>();
        node.path("attempts").forEach(a -> out.add(a.path("conclusion").asText("NONE")));
        return out;
    }

    /** Every node of a run as {@code name=STATUS[conclusions...]}, for failure messages. */
    static String nodeStatuses(JsonNode run) {
        var out = new ArrayList<String>();
        run.path("nodes").forEach(n -> out.add(name(n) + "=" + n.path("status").asText() + conclusions(n)));
        return out.toString();
    }

    /** How a test lists the runs: the API's JSON answer to a ListRuns. */
    @FunctionalInterface
    interface Listing {
        JsonNode list() throws Exception;
    }

    /**
     * Waits until every run listed is COMPLETED, the acknowledged ones among them, and at least
     * {@code atLeast} runs are listed; returns them by id. A listing that fails is tried again; when
     * time runs out, the error names the runs not completed, the acknowledged ones not listed, and
     * whether the last listing failed (then "not listed" means "could not list", not a lost run).
     */
    static Map<String, JsonNode> awaitAllCompleted(
            Listing listing, Collection<String> acknowledged, int atLeast, Duration timeout) {
        var last = new AtomicReference<Map<String, JsonNode>>(Map.of());
        var lastFailure = new AtomicReference<Throwable>();
        try {
            return Awaitility.await("every run completed")
                    .atMost(timeout)
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                var runs = new LinkedHashMap<String, JsonNode>();
                                try {
                                    for (var run : listing.list().path("runs")) {
                                        runs.put(run.path("id").asText(), run);
                                    }
                                } catch (Exception | AssertionError failure) {
                                    lastFailure.set(failure);
                                    throw failure;
                                }
                                lastFailure.set(null);
                                last.set(runs);
                                return runs;
                            },
                            runs -> runs.size() >= atLeast
                                    && runs.keySet().containsAll(acknowledged)
                                    && runs.values().stream()
                                            .allMatch(r ->
                                                    r.path("status").asText().equals("COMPLETED")));
        } catch (ConditionTimeoutException e) {
            var pending = last.get().values().stream()
                    .filter(r -> !r.path("status").asText().equals("COMPLETED"))
                    .map(r -> r.path("id").asText() + " " + r.path("status").asText() + " " + nodeStatuses(r))
                    .toList();
            var missing = new HashSet<>(acknowledged);
            missing.removeAll(last.get().keySet());
            throw new AssertionError(
                    "runs not completed: " + pending + "; acknowledged but not listed: " + missing
                            + " (of " + last.get().size() + " listed"
                            + (lastFailure.get() == null
                                    ? ")"
                                    : "; the last listing failed: " + lastFailure.get() + ")"),
                    e);
        }
    }

    /** The agent whose claim holds (or completed) the node: the pool writes its id into the claim. */
    static String claimAgent(JsonNode node) {
        return node.path("claim")
                .path("metadata")
                .path("adagio.agent.id")
                .path("values")
                .path(0)
                .asText();
    }

    static String output(JsonNode attempt) {
        return new String(Base64.getDecoder().decode(attempt.path("output").asText()), StandardCharsets.UTF_8);
    }

    static Instant time(JsonNode holder, String field) {
        String text = holder.path(field).asText("");
        if (text.isEmpty()) {
            throw new AssertionError("no " + field + " in " + holder);
        }
        return Instant.parse(text);
    }

    /** How long an attempt took, from its own start and finish. */
    static Duration took(JsonNode attempt) {
        return Duration.between(time(attempt, "started_at"), time(attempt, "finished_at"));
    }

    /** From the end of {@code before} to the start of {@code after}. */
    static Duration gap(JsonNode before, JsonNode after) {
        return Duration.between(time(before, "finished_at"), time(after, "started_at"));
    }

    /** A JSON string literal. */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** An exec node: {@code command args...}, with extra fields (retry, timeout, ...) appended as given. */
    static String exec(String name, String extra, String command, String... args) {
        var quoted = new ArrayList<String>();
        for (var a : args) {
            quoted.add(quote(a));
        }
        return """
                {"name": %s, "runtime": "exec", "metadata": {
                   "adagio.arguments.exec.command": {"values": [%s]},
                   "adagio.arguments.exec.args": {"values": [%s]}}%s}""".formatted(
                        quote(name), quote(command), String.join(", ", quoted), extra.isEmpty() ? "" : ", " + extra);
    }

    /** A debug node concluding as told ({@code success}, {@code fail}, {@code error}). */
    static String debug(String name, String conclusion, String extra) {
        return """
                {"name": %s, "runtime": "debug", "metadata": {
                   "adagio.arguments.debug.conclusion": {"values": [%s]}}%s}""".formatted(quote(name), quote(conclusion), extra.isEmpty() ? "" : ", " + extra);
    }

    static String edge(String source, String destination) {
        return "{\"source\": " + quote(source) + ", \"destination\": " + quote(destination) + "}";
    }

    static String spec(List<String> nodes, List<String> edges) {
        return "{\"nodes\": [" + String.join(", ", nodes) + "], \"edges\": [" + String.join(", ", edges) + "]}";
    }

    /**
     * A program that writes its process id to {@code pidFile} and then becomes {@code sleep seconds}
     * (the shell execs it), so that a test can tell whether that very process is still alive.
     */
    static String sleeper(String name, Path pidFile, int seconds) {
        return exec(name, "", "sh", "-c", "echo $$ > '" + pidFile + "'; exec sleep " + seconds);
    }

    /** The pid a {@link #sleeper} wrote, once it has. */
    static OptionalLong pid(Path pidFile) throws java.io.IOException {
        String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
        return pid.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(pid));
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
