package io.adagio.daemon.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A seeded generator of hostile HTTP/1.1 requests, as raw bytes: malformed request lines and paths
 * (traversal, bad and overlong escapes, NULs, huge segments, absolute forms), methods and versions
 * nobody serves, broken headers (bad or duplicate Content-Length, CR inside a value, no colon,
 * folding, too many, too big, foreign Host and Origin, wrong content types), and bodies of every
 * wrong shape (not JSON, wrong types, deep nesting, huge values, lone surrogates, runaway retries,
 * over the size limit). Each request declares its body's length truthfully unless the header
 * itself is the malformed part, so that no request leaves the server waiting for bytes that never
 * come: a server that waits then is a hang, not a client's stall.
 */
final class HostileHttp {
    /** One request to send, with a label for the report. */
    record Probe(String kind, byte[] bytes) {
        String head() {
            var text = new String(bytes, 0, Math.min(bytes.length, 160), StandardCharsets.ISO_8859_1);
            return kind + ": " + text.replace("\r", "\\r").replace("\n", "\\n");
        }
    }

    private static final String VALID_SPEC = "{\"spec\": {\"nodes\": [{\"name\": \"ok\", \"runtime\": \"debug\"}]}}";
    private static final int MIB = 1024 * 1024;

    private final Random random;
    private final String host;
    private final int maxNodes;
    private final List<Supplier<Probe>> kinds = new ArrayList<>();

    /** @param maxNodes the daemon's {@code -max-nodes}: a spec just over it must be refused */
    HostileHttp(long seed, String host, int maxNodes) {
        this.random = new Random(seed);
        this.host = host;
        this.maxNodes = maxNodes;
        kinds.add(this::badPath);
        kinds.add(this::badPath);
        kinds.add(this::badQuery);
        kinds.add(this::badMethodOrVersion);
        kinds.add(this::badHeaders);
        kinds.add(this::badHeaders);
        kinds.add(this::badContentLength);
        kinds.add(this::badBody);
        kinds.add(this::badBody);
        kinds.add(this::badBody);
        kinds.add(this::badSpec);
        kinds.add(this::badSpec);
        kinds.add(this::badSpec);
        kinds.add(this::guardedRequest);
    }

    Probe next() {
        return kinds.get(random.nextInt(kinds.size())).get();
    }

    /** A request over the size limit: rare in the mix (each is megabytes), so the test sends a few on purpose. */
    Probe oversize() {
        int size = 8 * MIB + 1 + random.nextInt(2 * MIB);
        var body = new StringBuilder(size + 64).append("{\"spec\": {\"nodes\": [{\"name\": \"");
        body.append("x".repeat(size)).append("\", \"runtime\": \"debug\"}]}}");
        return request("oversize body", pick("PUT", "POST"), "/v0/runs", List.of(json()), body.toString());
    }

    // ---- request lines ------------------------------------------------------------------------

    private Probe badPath() {
        String path = pick(
                "/v0/runs/..",
                "/v0/runs/%2e%2e",
                "/v0/runs/%2E%2e/%2e%2E/etc/passwd",
                "/../../etc/passwd",
                "/assets/../../pom.xml",
                "/assets/%2e%2e/%2e%2e/pom.xml",
                "/assets/..%2f..%2fpom.xml",
                "/v0/runs/%00",
                "/v0/runs/a%00b",
                "/v0/runs/%zz",
                "/v0/runs/%",
                "/v0/runs/%c0%af",
                "/v0/runs/%ff%fe",
                "/v0/runs/%ed%a0%80",
                "/v0/runs/" + "a".repeat(4097),
                "/v0/runs/" + "%41".repeat(3000),
                "/v0/runs/" + "a".repeat(253 + random.nextInt(4000)),
                "/v0/" + "a/".repeat(1000),
                "/v0//runs",
                "/v0/runs/\\..\\..\\",
                "/v0/runs/a b",
                "/v0/runs/\tx",
                "/v0/runs/\u0001",
                "/v0/runs/\u00e9t\u00e9",
                "/v0/runs/;jsessionid=1",
                "/v0/runs/#frag",
                "http://evil.example/v0/stats",
                "http://" + host + "/v0/stats",
                "*",
                "v0/stats",
                "/%2fv0/stats",
                "/runs/" + "%e2%80%ae".repeat(50),
                "/v0/runs/" + randomAscii(1 + random.nextInt(64)));
        return request("path", pick("GET", "GET", "PUT", "DELETE", "POST"), path, List.of(json()), maybeBody());
    }

    private Probe badQuery() {
        String query = pick(
                "limit=abc",
                "limit=-1",
                "limit=99999999999999999999999",
                "limit=1e9",
                "limit=1&limit=2",
                "start_ns=-5&finish_ns=x",
                "start_ns=9223372036854775808",
                "%zz=1",
                "limit=%00",
                "limit=" + "9".repeat(5000),
                "a=" + "b".repeat(3000),
                "unknown=1",
                "limit",
                "=",
                "&&&&",
                "limit=1;drop",
                "limit=%ed%a0%80");
        String path = pick("/v0/runs", "/v0/stats", "/v0/agents", "/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
        return request("query", "GET", path + "?" + query, List.of(), null);
    }

    private Probe badMethodOrVersion() {
        String method =
                pick("FOO", "CONNECT", "TRACE", "PATCH", "get", "G\u0000T", "PROPFIND", "OPTIONS", "M".repeat(300));
        String version = pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/9", "HTTPS/1.1", "");
        String path = pick("/v0/stats", "/v0/runs", "/");
        String line = method + " " + path + (version.isEmpty() ? "" : " " + version);
        var head = new StringBuilder(line).append("\r\n");
        head.append("Host: ").append(host).append("\r\nConnection: close\r\n\r\n");
        return new Probe("method/version", head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    // ---- headers ------------------------------------------------------------------------------

    private Probe badHeaders() {
        var headers = new ArrayList<String>();
        headers.add(json());
        String variant = pick(
                "cr in value",
                "no colon",
                "space before colon",
                "folded",
                "too many",
                "huge value",
                "nul",
                "non-ascii",
                "duplicate host",
                "no host",
                "empty host",
                "host with userinfo",
                "expect",
                "h2c upgrade",
                "bad authorization",
                "bad te");
        switch (variant) {
            case "cr in value" -> headers.add("X-Evil: a\rb");
            case "no colon" -> headers.add("X-Evil");
            case "space before colon" -> headers.add("X-Evil : a");
            case "folded" -> headers.add("X-Evil: a\r\n folded");
            case "too many" -> {
                for (int i = 0, n = 100 + random.nextInt(3000); i < n; i++) {
                    headers.add("X-H" + i + ": " + i);
                }
            }
            case "huge value" -> headers.add("X-Evil: " + "v".repeat(8 * 1024 + random.nextInt(64 * 1024)));
            case "nul" -> headers.add("X-Evil: a\u0000b");
            case "non-ascii" -> headers.add("X-Evil: \u00ff\u00fe caf\u00e9");
            case "duplicate host" -> headers.add("Host: evil.example");
            case "no host" -> {}
            case "empty host" -> {}
            case "host with userinfo" -> {}
            case "expect" -> headers.add("Expect: " + pick("100-continue", "200-ok", "\u00e9"));
            case "h2c upgrade" -> {
                headers.add("Connection: Upgrade, HTTP2-Settings");
                headers.add("Upgrade: h2c");
                headers.add("HTTP2-Settings: " + pick("AAMAAABkAAQAoAAAAAIAAAAA", "!!!", ""));
            }
            case "bad authorization" ->
                headers.add("Authorization: " + pick("Bearer", "Basic \u00ff", "Bearer " + "t".repeat(9000)));
            case "bad te" -> headers.add("Transfer-Encoding: " + pick("gzip", "chunked, identity", "identity"));
            default -> throw new IllegalStateException(variant);
        }
        String hostHeader = switch (variant) {
            case "no host" -> null;
            case "empty host" -> "";
            case "host with userinfo" -> "user@" + host;
            default -> host;
        };
        String method = pick("GET", "PUT", "POST");
        String path = pick("/v0/stats", "/v0/runs", "/v0/agents");
        boolean chunked = headers.stream().anyMatch(h -> h.startsWith("Transfer-Encoding") && h.contains("chunked"));
        if (chunked && !method.equals("GET")) {
            // Read as chunked, the body's first line is a chunk size: ended, so that the server can refuse it
            // at once (unended, the server rightly waits for the rest of the line).
            return request("header: " + variant, method, path, headers, hostHeader, VALID_SPEC + "\r\n");
        }
        if (chunked) {
            // A body declared chunked must come, or the server rightly waits for it (a client's stall, not
            // a hang): the last chunk, which ends an empty body.
            var head = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n");
            headers.forEach(h -> head.append(h).append("\r\n"));
            head.append("Connection: close\r\n\r\n0\r\n\r\n");
            return new Probe("header: " + variant, head.toString().getBytes(StandardCharsets.UTF_8));
        }
        return request(
                "header: " + variant, method, path, headers, hostHeader, method.equals("GET") ? null : VALID_SPEC);
    }

    private Probe badContentLength() {
        String body = pick(VALID_SPEC, "{}", "");
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        String value = pick(
                "abc",
                "-1",
                "+" + length,
                " " + length + " ",
                length + ", " + length,
                length + ", " + (length + 1),
                "99999999999999999999",
                "0x10",
                "",
                "1.0");
        var head = new StringBuilder(pick("PUT", "POST") + " /v0/runs HTTP/1.1\r\n");
        head.append("Host: ").append(host).append("\r\n").append(json()).append("\r\n");
        head.append("Content-Length: ").append(value).append("\r\n");
        if (random.nextBoolean()) {
            head.append("Content-Length: ").append(length + random.nextInt(3)).append("\r\n");
        }
        boolean chunked = random.nextInt(4) == 0;
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        }
        // Chunked wins over Content-Length, and the body is then read as a chunk-size line: ended, so that
        // the server can refuse it at once; unended, it would rightly wait for the rest of the line.
        head.append("Connection: close\r\n\r\n").append(body).append(chunked ? "\r\n" : "");
        return new Probe("content-length " + value, head.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** What the security layer refuses before any route: foreign Host or Origin, non-JSON content types. */
    private Probe guardedRequest() {
        var headers = new ArrayList<String>();
        String hostHeader = host;
        String variant =
                pick("foreign host", "foreign origin", "text/plain", "form", "multipart", "no type", "grpc type");
        switch (variant) {
            case "foreign host" ->
                hostHeader = pick("evil.example", "evil.example:" + host.split(":")[1], "127.0.0.1.evil.example");
            case "foreign origin" -> {
                headers.add(json());
                headers.add(
                        "Origin: " + pick("http://evil.example", "null", "http://127.0.0.1.evil.example", "\u00ff"));
            }
            case "text/plain" -> headers.add("Content-Type: text/plain");
            case "form" -> headers.add("Content-Type: application/x-www-form-urlencoded");
            case "multipart" -> headers.add("Content-Type: multipart/form-data; boundary=x");
            case "no type" -> {}
            case "grpc type" -> headers.add("Content-Type: application/grpc");
            default -> throw new IllegalStateException(variant);
        }
        return request("guard: " + variant, pick("PUT", "POST"), "/v0/runs", headers, hostHeader, VALID_SPEC);
    }

    // ---- bodies -------------------------------------------------------------------------------

    private Probe badBody() {
        String body = pick(
                "",
                "null",
                "[]",
                "42",
                "\"spec\"",
                "true",
                "{",
                "{\"spec\":",
                "{\"spec\": []}",
                "{\"spec\": \"x\"}",
                "{\"spec\": {\"nodes\": {}}}",
                "{\"spec\": {\"nodes\": [1, 2]}}",
                "{\"spec\": {\"nodes\": [null]}}",
                "{\"spec\": {\"edges\": 5}}",
                "{\"unknown\": 1}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"bogus\": 1}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": 5, \"runtime\": []}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"k\": 5}}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"k\": {\"values\": 5}}}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"timeout\": \"forever\"}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": []}]}}",
                "{\"spec\": {}}, {\"spec\": {}}",
                "{\"spec\": {\"nodes\": []}} trailing",
                "\uFEFF" + VALID_SPEC.replace("ok", "bom"),
                "{/* comment */ \"spec\": {}}",
                "{'spec': {}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"name\": \"b\", \"runtime\": \"debug\"}]}}",
                "[".repeat(1000 + random.nextInt(50_000)),
                "{\"a\":".repeat(1000 + random.nextInt(10_000)),
                "{\"spec\": {\"nodes\": [{\"name\": \"" + "n".repeat(100_000 + random.nextInt(MIB))
                        + "\", \"runtime\": \"debug\"}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"k\": {\"values\": [\""
                        + "v".repeat(300_000) + "\"]}}}]}}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}, \"x\": " + "9".repeat(5000) + "}",
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}, \"spec\": null}");
        return request("body", pick("PUT", "POST"), "/v0/runs", List.of(json()), body);
    }

    /** Well-formed JSON, hostile contents: surrogates, runaway retries, names and sizes at and past the rules. */
    private Probe badSpec() {
        String node = pick(
                "{\"name\": \"\\ud800\", \"runtime\": \"debug\"}",
                "{\"name\": \"a\\udc00b\", \"runtime\": \"debug\"}",
                "{\"name\": \"a\", \"runtime\": \"\\ud83d\"}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"\\ud800\": {\"values\": [\"x\"]}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"k\": {\"values\": [\"x\\udfff\"]}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": 2147483647}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"error\": {\"max_attempts\": 101}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": 4294967296}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": -1}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": 1.5}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": \"x\"}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"\\ud800\": {\"max_attempts\": 1}}}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"never\": {\"max_attempts\": 1}}}",
                "{\"name\": \"" + "a".repeat(254) + "\", \"runtime\": \"debug\"}",
                "{\"name\": \"" + "\\u0000".repeat(10) + "\", \"runtime\": \"debug\"}",
                "{\"name\": \"a/b\", \"runtime\": \"debug\"}",
                "{\"name\": \"..\", \"runtime\": \"debug\"}",
                "{\"name\": \"\", \"runtime\": \"\"}",
                "{\"name\": \"a\", \"runtime\": \"" + "r".repeat(20_000) + "\"}",
                "{\"name\": \"caf\u00e9\", \"runtime\": \"debug\"}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"timeout\": \"-5s\"}",
                "{\"name\": \"a\", \"runtime\": \"debug\", \"timeout\": \"315576000001s\"}");
        String spec = random.nextInt(5) == 0
                ? manyNodes(maxNodes + 1 + random.nextInt(1000))
                : "{\"nodes\": [" + node + "]" + maybeEdges() + "}";
        String body = "{\"spec\": " + spec + "}";
        if (random.nextInt(6) == 0) {
            // A lone surrogate as raw UTF-8 bytes (ED A0 80), which no encoder should have produced.
            return request(
                    "spec: raw surrogate bytes",
                    "PUT",
                    "/v0/runs",
                    List.of(json()),
                    host,
                    null,
                    concat(
                            "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"metadata\": {\"k\": {\"values\": [\""
                                    .getBytes(StandardCharsets.UTF_8),
                            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xFF},
                            "\"]}}}]}}".getBytes(StandardCharsets.UTF_8)));
        }
        return request("spec", pick("PUT", "POST"), "/v0/runs", List.of(json()), body);
    }

    private String maybeEdges() {
        return pick(
                "",
                "",
                ", \"edges\": [{\"source\": \"a\", \"destination\": \"a\"}]",
                ", \"edges\": [{\"source\": \"\\ud800\", \"destination\": \"a\"}]",
                ", \"edges\": [{\"source\": \"nope\", \"destination\": \"\"}]");
    }

    private static String manyNodes(int n) {
        var nodes = new StringBuilder("{\"nodes\": [");
        for (int i = 0; i < n; i++) {
            nodes.append(i == 0 ? "" : ",").append("{\"name\": \"n").append(i).append("\", \"runtime\": \"debug\"}");
        }
        return nodes.append("]}").toString();
    }

    // ---- assembly -----------------------------------------------------------------------------

    private String maybeBody() {
        return random.nextBoolean() ? null : VALID_SPEC;
    }

    private String json() {
        return "Content-Type: " + pick("application/json", "application/json; charset=utf-8", "application/JSON");
    }

    private Probe request(String kind, String method, String path, List<String> headers, String body) {
        return request(kind, method, path, headers, host, body);
    }

    private Probe request(
            String kind, String method, String path, List<String> headers, String hostHeader, String body) {
        return request(kind, method, path, headers, hostHeader, body, null);
    }

    private Probe request(
            String kind, String method, String path, List<String> headers, String hostHeader, String body, byte[] raw) {
        byte[] content = raw != null ? raw : body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        var head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (hostHeader != null) {
            head.append("Host: ").append(hostHeader).append("\r\n");
        }
        for (var h : headers) {
            head.append(h).append("\r\n");
        }
        if (content != null) {
            head.append("Content-Length: ").append(content.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        // The request line and headers as the bytes they name (a path with é goes out as UTF-8, like curl).
        byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
        return new Probe(kind, content == null ? headBytes : concat(headBytes, content));
    }

    private String randomAscii(int length) {
        var s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            char c = (char) (0x21 + random.nextInt(0x7e - 0x21));
            s.append(c == '#' || c == '?' ? 'x' : c);
        }
        return s.toString();
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (var p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
