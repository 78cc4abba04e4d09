package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.client.Target;
import io.adagio.core.protocol.Timestamps;
import io.adagio.wire.StorageHeaders;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The lean path of the read-only commands ({@code runs ls}, {@code stats}, {@code agents ls}, as
 * tables): one HTTP/1.1 GET on the API's HTTP/JSON routes, read with a small JSON reader into the
 * domain model and printed by the same {@link Printers} as the full commands. It never loads
 * picocli, gRPC or protobuf, which is most of a command's start-up.
 *
 * <p>It only answers when all went well. A command line it does not read plainly ({@link LeanArgs}),
 * TLS, an answer other than 200, a connection it cannot make: it returns {@link #NOT_HANDLED}
 * having printed nothing, and the full client runs the command, with its own messages and exit
 * codes for what went wrong. A read-only command may run twice that way; nothing else does.
 */
final class LeanPath {
    static final int NOT_HANDLED = -1;

    /** The full client's deadline for one call. */
    private static final int TIMEOUT_MS = 30_000;

    private LeanPath() {}

    /** Runs the command line if it is a lean one: its exit code, or {@link #NOT_HANDLED}. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        if ("0".equals(System.getenv("ADAGIO_CLI_LEAN"))) {
            return NOT_HANDLED;
        }
        var parsed = LeanArgs.parse(args);
        if (parsed == null) {
            return NOT_HANDLED;
        }
        var outText = new StringWriter();
        var errText = new StringWriter();
        try {
            if (!run(parsed, new PrintWriter(outText), new PrintWriter(errText))) {
                return NOT_HANDLED;
            }
        } catch (IOException | RuntimeException e) {
            return NOT_HANDLED;
        }
        out.print(outText);
        err.print(errText);
        return Errors.OK;
    }

    private static boolean run(LeanArgs args, PrintWriter out, PrintWriter err) throws IOException {
        String output = args.options().getOrDefault("-o", "table");
        if (!output.toLowerCase(Locale.ROOT).equals("table")) {
            return false; // JSON is printed by protobuf's printer: the full client's job
        }
        String address = args.host() != null ? args.host() : System.getenv(Main.ENV_HOST);
        if (address == null) {
            address = AdagioClient.DEFAULT_ADDRESS;
        }
        if (address.isBlank()) {
            return false;
        }
        var target = Target.parse(address);
        if (target.tls()) {
            return false;
        }
        String token = token(args.tokenFile());
        switch (args.command()) {
            case LeanArgs.RUNS_LS -> {
                Instant now = Instant.now();
                var query = runsQuery(args, now);
                if (query == null) {
                    return false;
                }
                var response = get(target, query, token);
                if (response == null) {
                    return false;
                }
                var runs = WireJson.listedRuns(JsonReader.parse(response.body(), WireJson.LISTED));
                Printers.runs(runs, now, out, err);
            }
            case LeanArgs.STATS -> {
                var response = get(target, "/v0/stats", token);
                if (response == null) {
                    return false;
                }
                var stats = WireJson.stats(JsonReader.parse(response.text()));
                var storage = StorageHeaders.read(name -> response.headers().get(name));
                Printers.stats(stats, storage.orElse(null), out);
            }
            case LeanArgs.AGENTS_LS -> {
                var response = get(target, "/v0/agents", token);
                if (response == null) {
                    return false;
                }
                Printers.agents(WireJson.agents(JsonReader.parse(response.text())), out, err);
            }
            default -> {
                return false;
            }
        }
        out.flush();
        err.flush();
        return true;
    }

    /** {@code /v0/runs} with the ListRuns fields of -since, -until and -limit; null when one is not plain. */
    private static String runsQuery(LeanArgs args, Instant now) {
        String limit = args.options().getOrDefault("-limit", "0");
        if (limit.isEmpty() || limit.length() > 18 || !limit.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        String since = args.options().get("-since");
        String until = args.options().get("-until");
        long finishNs = since == null ? 0 : Timestamps.toNanos(Times.parseInstant(since, now));
        long startNs = until == null ? 0 : Timestamps.toNanos(Times.parseInstant(until, now));
        var query = new StringBuilder("/v0/runs");
        char sep = '?';
        for (var field : List.of(
                new String[] {"start_ns", Long.toString(startNs)},
                new String[] {"finish_ns", Long.toString(finishNs)},
                new String[] {"limit", Long.toString(Long.parseLong(limit))})) {
            if (!field[1].equals("0")) {
                query.append(sep).append(field[0]).append('=').append(field[1]);
                sep = '&';
            }
        }
        return query.toString();
    }

    /** The 200 answer to a GET, or null for any other. */
    private static HttpGet.Response get(Target target, String path, String token) throws IOException {
        var response = HttpGet.get(target.host(), target.port(), target.authority(), path, token, TIMEOUT_MS);
        return response.status() == 200 ? response : null;
    }

    /**
     * The token as the full client reads it: the one line of -token-file, else $ADAGIO_TOKEN; null
     * when there is none.
     *
     * @throws IllegalArgumentException when it is not one the full client would send (it says why)
     */
    private static String token(String tokenFile) throws IOException {
        String token;
        if (tokenFile == null) {
            String env = System.getenv(Main.ENV_TOKEN);
            if (env == null || env.isBlank()) {
                return null;
            }
            token = env.strip();
        } else {
            var lines = Files.readAllLines(Path.of(tokenFile)).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
            if (lines.size() != 1) {
                throw new IllegalArgumentException("not one line");
            }
            token = lines.getFirst();
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("not a token");
        }
        return token;
    }
}
