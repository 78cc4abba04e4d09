package io.adagio.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.core.model.NodeSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentsTest {
    static final Argument<String> NAME = Argument.string("name").required();
    static final Argument<List<String>> TAGS = Argument.strings("tags");
    static final Argument<Long> COUNT = Argument.int64("count").withDefault(7L);
    static final Argument<Duration> WAIT = Argument.duration("wait");
    static final Argument<Instant> AT = Argument.time("at");
    static final Argument<JsonNode> CONFIG = Argument.json("config");
    static final List<Argument<?>> ALL = List.of(NAME, TAGS, COUNT, WAIT, AT, CONFIG);

    record Point(int x, int y) {}

    static Arguments parse(Map<String, List<String>> metadata) {
        return parse(metadata, Map.of());
    }

    static Arguments parse(Map<String, List<String>> metadata, Map<String, byte[]> inputs) {
        return Arguments.parse("test", ALL, new NodeSpec("n", "test", metadata, Map.of()), inputs);
    }

    @Test
    void readsEveryTypeFromTheArgumentsKeys() {
        var args = parse(Map.of(
                "adagio.arguments.test.name", List.of("x"),
                "adagio.arguments.test.tags", List.of("a", "b"),
                "adagio.arguments.test.count", List.of("42"),
                "adagio.arguments.test.wait", List.of("1m30s"),
                "adagio.arguments.test.at", List.of("2026-01-02T03:04:05.123456789Z"),
                "adagio.arguments.test.config", List.of("{\"x\": 1, \"y\": [2]}")));
        assertThat(args.get(NAME)).isEqualTo("x");
        assertThat(args.get(TAGS)).containsExactly("a", "b");
        assertThat(args.get(COUNT)).isEqualTo(42L);
        assertThat(args.get(WAIT)).isEqualTo(Duration.ofSeconds(90));
        assertThat(args.get(AT)).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456789Z"));
        assertThat(args.get(CONFIG).get("y").get(0).asInt()).isEqualTo(2);
        assertThat(args.isGiven(COUNT)).isTrue();
    }

    @Test
    void absentOptionalArgumentsTakeTheirDefaults() {
        var args = parse(Map.of("adagio.arguments.test.name", List.of("x")));
        assertThat(args.get(COUNT)).isEqualTo(7L);
        assertThat(args.isGiven(COUNT)).isFalse();
        assertThat(args.get(TAGS)).isEmpty();
        assertThat(args.get(WAIT)).isNull();
        assertThat(args.find(WAIT)).isEmpty();
    }

    @Test
    void acceptsTheLegacySpellingButPrefersTheCurrentOne() {
        assertThat(parse(Map.of("adagio.runtime.test.name", List.of("old"))).get(NAME))
                .isEqualTo("old");
        var both = new LinkedHashMap<String, List<String>>();
        both.put("adagio.runtime.test.name", List.of("old"));
        both.put("adagio.arguments.test.name", List.of("new"));
        assertThat(parse(both).get(NAME)).isEqualTo("new");
    }

    @Test
    void takesAValueFromAnUpstreamOutputBeforeMetadata() {
        var metadata = Map.of(
                "adagio.arguments.test.name", List.of("ignored"),
                "adagio.inputs.test.name", List.of("up"),
                "adagio.inputs.test.count", List.of("up2"));
        var args = parse(
                metadata,
                Map.of(
                        "up", "from upstream".getBytes(StandardCharsets.UTF_8),
                        "up2", "12\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(args.get(NAME)).isEqualTo("from upstream");
        assertThat(args.get(COUNT)).isEqualTo(12L);
    }

    @Test
    void anInputFromANodeThatIsNotUpstreamIsAnError() {
        assertThatThrownBy(() -> parse(Map.of("adagio.inputs.test.name", List.of("elsewhere")), Map.of()))
                .isInstanceOf(ArgumentException.class)
                .hasMessageContaining("argument \"name\"")
                .hasMessageContaining("\"elsewhere\"");
    }

    @Test
    void aMissingRequiredArgumentIsNamed() {
        assertThatThrownBy(() -> parse(Map.of()))
                .isInstanceOf(ArgumentException.class)
                .hasMessageContaining("argument \"name\" of runtime \"test\"")
                .hasMessageContaining("adagio.arguments.test.name")
                .extracting(e -> ((ArgumentException) e).argument())
                .isEqualTo("name");
    }

    @Test
    void malformedValuesAreNamedWithTheProblem() {
        var name = Map.entry("adagio.arguments.test.name", List.of("x"));
        assertThatThrownBy(() -> parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.count", List.of("seven")))))
                .hasMessageContaining("argument \"count\"")
                .hasMessageContaining("\"seven\" is not a whole number");
        assertThatThrownBy(() -> parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.wait", List.of("soon")))))
                .hasMessageContaining("argument \"wait\"")
                .hasMessageContaining("\"soon\" is not a duration");
        assertThatThrownBy(
                        () -> parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.at", List.of("yesterday")))))
                .hasMessageContaining("argument \"at\"")
                .hasMessageContaining("RFC 3339");
        assertThatThrownBy(
                        () -> parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.config", List.of("{nope")))))
                .hasMessageContaining("argument \"config\"")
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() ->
                        parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.count", List.of("1", "2")))))
                .hasMessageContaining("argument \"count\"")
                .hasMessageContaining("takes one value, got 2");
        assertThatThrownBy(() -> parse(Map.ofEntries(name, Map.entry("adagio.arguments.test.count", List.of()))))
                .hasMessageContaining("argument \"count\"")
                .hasMessageContaining("no value given");
    }

    @Test
    void aMisspeltArgumentIsAnErrorRatherThanSilentlyDefaulted() {
        assertThatThrownBy(() -> parse(Map.of(
                        "adagio.arguments.test.name", List.of("x"), "adagio.arguments.test.cuont", List.of("1"))))
                .isInstanceOf(ArgumentException.class)
                .hasMessageContaining("argument \"cuont\"")
                .hasMessageContaining("unknown")
                .hasMessageContaining("known: name, tags, count, wait, at, config");
    }

    @Test
    void metadataOfOtherRuntimesIsIgnored() {
        var args = parse(Map.of(
                "adagio.arguments.test.name",
                List.of("x"),
                "adagio.arguments.other.whatever",
                List.of("1"),
                "team",
                List.of("ops")));
        assertThat(args.get(NAME)).isEqualTo("x");
    }

    @Test
    void jsonArgumentsCanBindToAType() {
        var point = Argument.json("point", Point.class);
        var args = Arguments.parse(
                "test",
                List.of(point),
                new NodeSpec(
                        "n", "test", Map.of("adagio.arguments.test.point", List.of("{\"x\":1,\"y\":2}")), Map.of()),
                Map.of());
        assertThat(args.get(point)).isEqualTo(new Point(1, 2));
    }

    @Test
    void askingForAnUndeclaredArgumentIsAProgrammingError() {
        var args = parse(Map.of("adagio.arguments.test.name", List.of("x")));
        assertThatThrownBy(() -> args.get(Argument.string("other")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not declare argument \"other\"");
    }

    @Test
    void argumentNamesMustFitInAMetadataKey() {
        assertThatThrownBy(() -> Argument.string("a.b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Argument.string("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(NAME.metadataKey("exec")).isEqualTo("adagio.arguments.exec.name");
        assertThat(NAME.legacyMetadataKey("exec")).isEqualTo("adagio.runtime.exec.name");
        assertThat(NAME.inputKey("exec")).isEqualTo("adagio.inputs.exec.name");
    }
}
