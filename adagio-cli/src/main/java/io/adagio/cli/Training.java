package io.adagio.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What the run that records the JDK's ahead-of-time cache does besides the user's command
 * (bin/adagio passes {@code -Dadagio.cli.training=true} to that run only): it reads and prints a
 * listing, stats and agents of the API's shape through the lean path's readers and printers.
 *
 * <p>The cache holds the classes the recording run loaded and linked, and the first listing a user
 * runs may be empty ("No runs found."): a cache recorded from that one left the JSON reading out,
 * and every later listing loaded those classes from the jars, about 25 ms of each call.
 */
final class Training {
    static final String PROPERTY = "adagio.cli.training";

    /** Runs in a listing: enough for every reader and printer path to run many times. */
    static final int RUNS = 40;

    private Training() {}

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** Reads and prints the samples; returns what was printed (tests check it). */
    static String exercise() {
        var text = new StringWriter();
        var out = new PrintWriter(text);
        Instant now = Instant.now();
        var runs =
                WireJson.listedRuns(JsonReader.parse(listing(now).getBytes(StandardCharsets.UTF_8), WireJson.LISTED));
        Printers.runs(runs, now, out, out);
        Printers.stats(WireJson.stats(JsonReader.parse(STATS)), null, out);
        Printers.agents(WireJson.agents(JsonReader.parse(AGENTS)), out, out);
        out.flush();
        return text.toString();
    }

    private static final String STATS = "{\"stats\":{\"run_count\":\"200\",\"node_counts\":{\"waiting_count\":\"3\","
            + "\"ready_count\":\"2\",\"running_count\":\"1\",\"completed_count\":\"1400\",\"orphaned_count\":\"0\"}}}";

    private static final String AGENTS =
            "{\"agents\":[{\"id\":\"vm-1-abc\",\"runtimes\":[{\"name\":\"debug\"},{\"name\":\"exec\"}]}]}";

    /** A ListRunsResponse as the HTTP/JSON route writes it: runs of a few nodes, every node field set. */
    static String listing(Instant now) {
        var json = new StringBuilder("{\"runs\":[");
        String[] statuses = {"COMPLETED", "RUNNING", "READY", "WAITING"};
        for (int r = 0; r < RUNS; r++) {
            String at = now.minusSeconds(60L * r).toString();
            json.append(r == 0 ? "" : ",")
                    .append("{\"id\":\"01M8TDH63F8T2N3X7PWKK0")
                    .append(String.format("%04d", r))
                    .append("\",\"created_at\":\"")
                    .append(at)
                    .append("\",\"nodes\":[");
            for (int n = 0; n < 7; n++) {
                String status = r % 3 == 0 ? statuses[n % statuses.length] : "COMPLETED";
                boolean done = status.equals("COMPLETED");
                String conclusion = !done ? "NONE" : r % 5 == 4 && n == 6 ? "FAIL" : "SUCCESS";
                json.append(n == 0 ? "" : ",")
                        .append("{\"spec\":{\"name\":\"n")
                        .append(n)
                        .append(
                                "\",\"runtime\":\"debug\",\"metadata\":{\"adagio.arguments.debug.sleep\":{\"values\":[\"50ms\"]}},")
                        .append("\"retry\":{}},\"status\":\"")
                        .append(status)
                        .append("\",\"attempts\":[")
                        .append(done ? attempt(at, conclusion) : "")
                        .append("],\"started_at\":\"")
                        .append(done ? at : "")
                        .append("\",\"finished_at\":\"")
                        .append(done ? at : "")
                        .append("\",\"inputs\":{\"n0\":\"ZGVidWc6IG5vZGU=\"},")
                        .append("\"claim\":{\"id\":\"01M8TDBSK9SQ3A6E5SDRN0A8EM.1d7\",")
                        .append("\"metadata\":{\"adagio.agent.id\":{\"values\":[\"vm-1-abc\"]}}},")
                        .append("\"conclusion\":\"")
                        .append(conclusion)
                        .append("\",\"not_before\":\"\"}");
            }
            json.append("],\"edges\":[{\"source\":\"n0\",\"destination\":\"n1\"}],\"status\":\"")
                    .append(r % 3 == 0 ? "RUNNING" : "COMPLETED")
                    .append("\",\"conclusion\":\"")
                    .append(r % 3 == 0 ? "NONE" : r % 5 == 4 ? "FAIL" : "SUCCESS")
                    .append("\"}");
        }
        return json.append("]}").toString();
    }

    private static String attempt(String at, String conclusion) {
        return "{\"conclusion\":\"" + conclusion + "\",\"metadata\":{\"debug.decision\":{\"values\":[\"success\"]}},"
                + "\"output\":\"ZGVidWc6IG5vZGUgImEiIG9mIHJ1biBjb25jbHVkZWQgc3VjY2Vzcw==\",\"started_at\":\"" + at
                + "\",\"finished_at\":\"" + at + "\",\"agent_id\":\"vm-1-abc\"}";
    }
}
