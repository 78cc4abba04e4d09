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
     * Which fields of the objects read to keep, at each depth: a listing need not build what it does
     * not show. The fields left out are still read through, so a malformed value is an error all
     * the same. An array's elements are kept as the array is.
     *
     * @param fields the fields kept, each with what to keep of its value; null keeps every field
     */
    record Keep(Map<String, Keep> fields) {
        /** Every field, at every depth. */
        static final Keep ALL = new Keep(null);

        /** Only the fields named (a field has two spellings on the wire: name both). */
        static Keep only(Map<String, Keep> fields) {
            return new Keep(Map.copyOf(fields));
        }

        /** What to keep of field {@code name}'s value; null when the field is left out. */
        Keep field(String name) {
            return fields == null ? this : fields.get(name);
        }
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not one JSON value
     */
    static Object parse(String text) {
        return parse(text, Keep.ALL);
    }

    /** Like {@link #parse(String)}, keeping what {@code keep} says. */
    static Object parse(String text, Keep keep) {
        try (var parser = FACTORY.createParser(text)) {
            return document(parser, keep);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    /**
     * Like {@link #parse(String, Keep)}, from UTF-8 bytes as they came: jackson-core's byte parser
     * reads them without first making a String of them (an answer may be megabytes).
     */
    static Object parse(byte[] utf8, Keep keep) {
        try (var parser = FACTORY.createParser(utf8)) {
            return document(parser, keep);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    private static Object document(JsonParser parser, Keep keep) throws IOException {
        var first = parser.nextToken();
        if (first == null) {
            throw new IllegalArgumentException("not JSON: no value");
        }
        Object value = value(parser, first, keep);
        if (parser.nextToken() != null) {
            throw new IllegalArgumentException("not JSON: trailing text at " + parser.currentLocation());
        }
        return value;
    }

    /** jackson-core's parse errors (StreamReadException) name what and where. */
    private static IllegalArgumentException notJson(IOException e) {
        return new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }

    private static Object value(JsonParser parser, JsonToken token, Keep keep) throws IOException {
        return switch (token) {
            case START_OBJECT -> object(parser, keep);
            case START_ARRAY -> array(parser, keep);
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new JsonNumber(parser.getText());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("not JSON: unexpected " + token);
        };
    }

    private static Map<String, Object> object(JsonParser parser, Keep keep) throws IOException {
        var map = new LinkedHashMap<String, Object>();
        for (var name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
            var token = parser.nextToken();
            var inner = keep.field(name);
            if (inner == null) {
                // Read through (so a malformed value is still an error), kept nowhere.
                parser.skipChildren();
            } else {
                map.put(name, value(parser, token, inner));
            }
        }
        return map;
    }

    private static List<Object> array(JsonParser parser, Keep keep) throws IOException {
        var list = new ArrayList<Object>();
        for (var token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token == null) {
                throw new IllegalArgumentException("not JSON: unexpected end in an array");
            }
            list.add(value(parser, token, keep));
        }
        return list;
    }
}
