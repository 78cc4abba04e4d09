package io.adagio.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lean path's JSON reading, on jackson-core's streaming parser (no data binding): objects
 * become {@link Map}s (in document order), arrays {@link List}s, strings {@link String}s, numbers a
 * {@link JsonNumber} (their text kept), true and false {@link Boolean}s, null null. A streaming
 * parser instead of protobuf's JSON parser and its descriptors is most of why the lean path starts
 * fast.
 */
final class JsonReader {
    /** A number as written: the wire's int64 values may not fit a double, so the text is kept. */
    record JsonNumber(String text) {}

    /** Deeper than any answer of the API; a hostile one is refused, not followed. */
    private static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private JsonReader() {}

    /**
     * @throws IllegalArgumentException when {@code text} is not one JSON value
     */
    static Object parse(String text) {
        return parse(text, Set.of());
    }

    /**
     * Like {@link #parse(String)}, leaving out the fields named {@code skipped} wherever they are
     * (their values are checked, not kept): a listing need not build what it does not show.
     */
    static Object parse(String text, Set<String> skipped) {
        try (var parser = FACTORY.createParser(text)) {
            var first = parser.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("not JSON: no value");
            }
            Object value = value(parser, first, skipped);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("not JSON: trailing text at " + parser.currentLocation());
            }
            return value;
        } catch (IOException e) {
            // jackson-core's parse errors (StreamReadException) name what and where.
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static Object value(JsonParser parser, JsonToken token, Set<String> skipped) throws IOException {
        return switch (token) {
            case START_OBJECT -> object(parser, skipped);
            case START_ARRAY -> array(parser, skipped);
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new JsonNumber(parser.getText());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("not JSON: unexpected " + token);
        };
    }

    private static Map<String, Object> object(JsonParser parser, Set<String> skipped) throws IOException {
        var map = new LinkedHashMap<String, Object>();
        for (var name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
            var token = parser.nextToken();
            if (skipped.contains(name)) {
                // Read through (so a malformed value is still an error), kept nowhere.
                parser.skipChildren();
            } else {
                map.put(name, value(parser, token, skipped));
            }
        }
        return map;
    }

    private static List<Object> array(JsonParser parser, Set<String> skipped) throws IOException {
        var list = new ArrayList<Object>();
        for (var token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token == null) {
                throw new IllegalArgumentException("not JSON: unexpected end in an array");
            }
            list.add(value(parser, token, skipped));
        }
        return list;
    }
}
