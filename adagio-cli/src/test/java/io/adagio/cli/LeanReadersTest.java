package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.adagio.core.protocol.Timestamps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The lean path's readers: JSON and RFC 3339 timestamps, against jackson-core's, the JDK's and protobuf's reading. */
class LeanReadersTest {
    @Test
    void timestampsReadAsTimestampsParseReadsThem() {
        var random = new Random(17);
        for (int i = 0; i < 20_000; i++) {
            var instant = Instant.ofEpochSecond(
                    random.nextLong(-62_000_000_000L, 250_000_000_000L), random.nextInt(1_000_000_000));
            int offsetMinutes = random.nextInt(3) == 0 ? random.nextInt(-18 * 60, 18 * 60 + 1) : 0;
            var text = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                    instant.atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60)));
            assertThat(Rfc3339.parse(text)).as(text).isEqualTo(Timestamps.parse(text));
        }
        for (var text : List.of(
                "2026-12-01T02:39:18.490822699Z",
                "2026-12-01T02:39:18Z",
                "2026-12-01T02:39:18.5+01:30",
                "2024-02-29T23:59:59.000000001-00:00",
                "0001-01-01T00:00:00Z",
                "2026-12-01T02:39:18.Z")) {
            assertThat(Rfc3339.parse(text)).as(text).isEqualTo(Timestamps.parse(text));
        }
        assertThat(Rfc3339.parse("")).isNull();
    }

    @Test
    void badTimestampsFailAsTimestampsParseFails() {
        for (var text : List.of(
                "2023-02-29T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-12-01T24:00:00Z",
                "2026-12-01T02:39:60Z",
                "2026-12-01T02:39:18.1234567890Z",
                "2026-12-01 02:39:18Z",
                "2026-12-01T02:39:18",
                "x")) {
            assertThatThrownBy(() -> Rfc3339.parse(text)).as(text).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> Timestamps.parse(text)).as(text).isInstanceOf(RuntimeException.class);
        }
    }

    @Test
    void readsJsonValues() {
        var value = JsonReader.parse(
                " {\"a\": [1, -2.5e3, true, false, null], \"b\\u00e9\": \"x\\\"y\\\\z\\n\\u003c\", \"c\": {}} ");

        assertThat(value)
                .isEqualTo(Map.of(
                        "a",
                        java.util.Arrays.asList(
                                new JsonReader.JsonNumber("1"), new JsonReader.JsonNumber("-2.5e3"), true, false, null),
                        "bé",
                        "x\"y\\z\n<",
                        "c",
                        Map.of()));
    }

    @Test
    void keepsTheFieldsItIsToldToAtEachDepthAndReadsThroughTheRest() {
        var json = "{\"spec\": {\"name\": \"a\\\\\", \"x\": [\"\\\"}\", {}]}, \"id\": \"r\", \"output\": \"\\\\\\\"\","
                + " \"nodes\": [{\"status\": \"RUNNING\", \"spec\": {\"name\": \"n\"}}, {\"spec\": {}}]}";
        var keep = JsonReader.Keep.only(Map.of(
                "id", JsonReader.Keep.ALL, "nodes", JsonReader.Keep.only(Map.of("status", JsonReader.Keep.ALL))));

        var value = JsonReader.parse(json, keep);

        assertThat(value).isEqualTo(Map.of("id", "r", "nodes", List.of(Map.of("status", "RUNNING"), Map.of())));
        assertThat(JsonReader.parse(json.getBytes(StandardCharsets.UTF_8), keep))
                .isEqualTo(value);
        // Left out is not unchecked: a malformed value in a field that is not kept is still refused.
        assertThatThrownBy(() -> JsonReader.parse("{\"spec\": {\"a\" 1}, \"id\": \"r\"}", keep))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesWhatIsNotJson() {
        for (var text :
                List.of("", "{", "{\"a\" 1}", "[1,]x", "{\"a\": tru}", "\"abc", "[1] 2", "{\"a\":\"\u0001\"}")) {
            assertThatThrownBy(() -> JsonReader.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> JsonReader.parse("[".repeat(100) + "]".repeat(100)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsRandomDocumentsAsJacksonCoreDoes() throws IOException {
        var random = new Random(29);
        for (int i = 0; i < 5_000; i++) {
            var text = new StringBuilder();
            randomValue(random, 0, text);
            var json = text.toString();

            assertThat(JsonReader.parse(json)).as(json).isEqualTo(jackson(json));
        }
    }

    @Test
    void refusesWhatJacksonCoreRefusesAndReadsTheRestAlike() throws IOException {
        var random = new Random(31);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            var text = new StringBuilder();
            randomValue(random, 0, text);
            // One random edit: a character removed, or one of JSON's own inserted.
            int at = random.nextInt(text.length() + 1);
            if (random.nextBoolean() && at < text.length()) {
                text.deleteCharAt(at);
            } else {
                text.insert(at, EDITS.charAt(random.nextInt(EDITS.length())));
            }
            var json = text.toString();
            Object expected;
            try {
                expected = jackson(json);
            } catch (IOException e) {
                refused++;
                assertThatThrownBy(() -> JsonReader.parse(json))
                        .as(json)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("not JSON: ");
                continue;
            }
            assertThat(JsonReader.parse(json)).as(json).isEqualTo(expected);
        }
        assertThat(refused).as("edits that broke the document").isGreaterThan(5_000);
    }

    /** What an edit inserts: JSON's own characters, a control character, and one that is none of them. */
    private static final String EDITS = "{}[],:\"0-+.eE \\tunlf\u0001x";

    @Test
    void nestsAsDeepAsJacksonCoreWasAllowedToAndNoDeeper() {
        assertThat(JsonReader.parse("[".repeat(64) + "]".repeat(64))).isNotNull();
        assertThatThrownBy(() -> JsonReader.parse("[".repeat(65) + "]".repeat(65)))
                .hasMessageContaining("nested deeper than 64");
    }

    private static void randomValue(Random random, int depth, StringBuilder out) {
        space(random, out);
        switch (random.nextInt(depth > 5 ? 5 : 7)) {
            case 0 -> out.append(random.nextBoolean() ? "true" : "false");
            case 1 -> out.append("null");
            case 2 -> out.append(randomNumber(random));
            case 3, 4 -> randomString(random, out);
            case 5 -> {
                out.append('[');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    randomValue(random, depth + 1, out);
                }
                space(random, out);
                out.append(']');
            }
            default -> {
                out.append('{');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    space(random, out);
                    randomString(random, out);
                    space(random, out);
                    out.append(':');
                    randomValue(random, depth + 1, out);
                }
                space(random, out);
                out.append('}');
            }
        }
        space(random, out);
    }

    private static String randomNumber(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> Integer.toString(random.nextInt(-100, 100));
            case 1 -> Long.toString(random.nextLong());
            case 2 -> "-0";
            case 3 -> random.nextInt(1000) + "." + random.nextInt(1000);
            default ->
                random.nextInt(10)
                        + (random.nextBoolean() ? "e" : "E")
                        + (random.nextBoolean() ? "-" : "+")
                        + random.nextInt(30);
        };
    }

    private static void randomString(Random random, StringBuilder out) {
        out.append('"');
        int n = random.nextInt(8);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(12)) {
                case 0 -> out.append("\\\"");
                case 1 -> out.append("\\\\");
                case 2 -> out.append("\\n\\t\\r\\b\\f\\/");
                case 3 -> out.append(String.format("\\u%04x", random.nextInt(0x10000)));
                case 4 -> out.append("é");
                case 5 -> out.append("\uD83D\uDE00"); // outside the BMP: four bytes of UTF-8
                case 6 -> out.append("中");
                default -> {
                    char c = (char) random.nextInt(0x20, 0x7f);
                    out.append(c == '"' || c == '\\' ? 'q' : c);
                }
            }
        }
        // A backslash left last would escape the closing quote: escape it.
        int trailing = 0;
        for (int k = out.length() - 1; k >= 0 && out.charAt(k) == '\\'; k--) {
            trailing++;
        }
        if (trailing % 2 == 1) {
            out.append('\\');
        }
        out.append('"');
    }

    private static void space(Random random, StringBuilder out) {
        if (random.nextInt(4) == 0) {
            out.append(" \n\r\t".charAt(random.nextInt(4)));
        }
    }

    private static final JsonFactory JACKSON = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /** jackson-core's streaming parser read into the same values: what the lean path used before. */
    private static Object jackson(String text) throws IOException {
        try (var parser = JACKSON.createParser(text.getBytes(StandardCharsets.UTF_8))) {
            var first = parser.nextToken();
            if (first == null) {
                throw new IOException("no value");
            }
            var value = jacksonValue(parser, first);
            if (parser.nextToken() != null) {
                throw new IOException("trailing text");
            }
            return value;
        }
    }

    private static Object jacksonValue(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                var map = new LinkedHashMap<String, Object>();
                for (var name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    map.put(name, jacksonValue(parser, parser.nextToken()));
                }
                yield map;
            }
            case START_ARRAY -> {
                var list = new ArrayList<Object>();
                for (var t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) {
                        throw new IOException("unexpected end in an array");
                    }
                    list.add(jacksonValue(parser, t));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new JsonReader.JsonNumber(parser.getText());
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected " + token);
        };
    }
}
