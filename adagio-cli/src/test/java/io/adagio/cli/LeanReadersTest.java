package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.protocol.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The lean path's readers: JSON and RFC 3339 timestamps, against the JDK's and protobuf's reading. */
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
}
