package io.adagio.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lean path's JSON reading (RFC 8259), straight from the UTF-8 bytes of an answer: objects
 * become {@link Map}s (in document order), arrays {@link List}s, strings {@link String}s, numbers a
 * {@link JsonNumber} (their text kept), true and false {@link Boolean}s, null null.
 *
 * <p>Why not a library's parser: start-up is the whole cost of a CLI command. jackson-core's parser
 * (used here before) initialises {@code java.math.BigDecimal} when its first parser is made, and on
 * JDK 25 that class computes large powers of five as it initialises: 14-16 ms of every listing,
 * measured, before a byte was read. protobuf's JSON parser needs the descriptors, which is the
 * full path's start-up. What is read here is the API's own answers, and {@code LeanReadersTest}
 * holds this reader to jackson-core's on random documents. One difference: bytes that are not
 * UTF-8 inside a string become U+FFFD (the JDK's decoding) where jackson-core refused them; and
 * whatever this reader refuses, {@link LeanPath} leaves to the full client.
 */
final class JsonReader {
    /** A number as written: the wire's int64 values may not fit a double, so the text is kept. */
    record JsonNumber(String text) {}

    /** Deeper than any answer of the API; a hostile one is refused, not followed. */
    private static final int MAX_DEPTH = 64;

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

    private final byte[] in;
    private int pos;
    private int depth;

    private JsonReader(byte[] in) {
        this.in = in;
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not one JSON value
     */
    static Object parse(String text) {
        return parse(text, Keep.ALL);
    }

    /** Like {@link #parse(String)}, keeping what {@code keep} says. */
    static Object parse(String text, Keep keep) {
        return parse(text.getBytes(StandardCharsets.UTF_8), keep);
    }

    /** Like {@link #parse(String, Keep)}, from UTF-8 bytes as they came (an answer may be megabytes). */
    static Object parse(byte[] utf8, Keep keep) {
        var reader = new JsonReader(utf8);
        reader.skipSpace();
        if (reader.pos == utf8.length) {
            throw new IllegalArgumentException("not JSON: no value");
        }
        Object value = reader.value(keep);
        reader.skipSpace();
        if (reader.pos != utf8.length) {
            throw reader.error("trailing text");
        }
        return value;
    }

    /** The value at {@code pos}; with {@code keep} null it is read through and null returned. */
    private Object value(Keep keep) {
        if (pos == in.length) {
            throw error("unexpected end");
        }
        return switch (in[pos]) {
            case '{' -> object(keep);
            case '[' -> array(keep);
            case '"' -> {
                if (keep == null) {
                    skipString();
                    yield null;
                }
                yield string();
            }
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number(keep);
        };
    }

    private Map<String, Object> object(Keep keep) {
        var map = keep == null ? null : new LinkedHashMap<String, Object>();
        if (enterClosedAtOnce('}')) {
            return map;
        }
        do {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a field name");
            }
            String name = null;
            if (keep == null) {
                skipString();
            } else {
                name = string();
            }
            Keep inner = keep == null ? null : keep.field(name);
            skipSpace();
            if (peek() != ':') {
                throw error("expected ':'");
            }
            pos++;
            skipSpace();
            Object value = value(inner);
            if (inner != null) {
                map.put(name, value);
            }
        } while (!endOfMembers('}'));
        depth--;
        return map;
    }

    private List<Object> array(Keep keep) {
        var list = keep == null ? null : new ArrayList<Object>();
        if (enterClosedAtOnce(']')) {
            return list;
        }
        do {
            skipSpace();
            Object value = value(keep);
            if (list != null) {
                list.add(value);
            }
        } while (!endOfMembers(']'));
        depth--;
        return list;
    }

    /**
     * Past the opening bracket, one level deeper; true when {@code close} follows at once (an empty
     * object or array), which is then passed and the level left.
     */
    private boolean enterClosedAtOnce(char close) {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        pos++;
        skipSpace();
        if (peek() != close) {
            return false;
        }
        pos++;
        depth--;
        return true;
    }

    /** After a member: true past the closing {@code close}, false past a comma. */
    private boolean endOfMembers(char close) {
        skipSpace();
        byte b = peek();
        pos++;
        if (b == ',') {
            return false;
        }
        if (b == close) {
            return true;
        }
        throw error("expected ',' or '" + close + "'", pos - 1);
    }

    private String string() {
        int start = ++pos;
        byte[] in = this.in;
        int i = start;
        while (i < in.length) {
            byte b = in[i];
            if (b == '"') {
                pos = i + 1;
                return new String(in, start, i - start, StandardCharsets.UTF_8);
            }
            if (b == '\\') {
                return escapedString(start, i);
            }
            if (b >= 0 && b < 0x20) {
                throw error("control character in a string", i);
            }
            i++;
        }
        throw error("unterminated string", start - 1);
    }

    /** The rest of a string from its first escape at {@code i}. */
    private String escapedString(int start, int i) {
        var text = new StringBuilder(i - start + 16);
        int run = start;
        while (i < in.length) {
            byte b = in[i];
            if (b == '"') {
                text.append(new String(in, run, i - run, StandardCharsets.UTF_8));
                pos = i + 1;
                return text.toString();
            }
            if (b >= 0 && b < 0x20) {
                throw error("control character in a string", i);
            }
            if (b != '\\') {
                i++;
                continue;
            }
            // A backslash is ASCII, never inside a multi-byte character: the run before it is whole.
            text.append(new String(in, run, i - run, StandardCharsets.UTF_8));
            if (i + 1 >= in.length) {
                break;
            }
            byte e = in[i + 1];
            switch (e) {
                case '"', '\\', '/' -> text.append((char) e);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    text.append((char) hex4(i + 2));
                    i += 4;
                }
                default -> throw error("bad escape in a string", i);
            }
            i += 2;
            run = i;
        }
        throw error("unterminated string", start - 1);
    }

    /** Past a string without making it, checking it as {@link #string()} does. */
    private void skipString() {
        int start = pos;
        byte[] in = this.in;
        int i = pos + 1;
        while (i < in.length) {
            byte b = in[i];
            if (b == '"') {
                pos = i + 1;
                return;
            }
            if (b == '\\') {
                if (i + 1 >= in.length) {
                    break;
                }
                switch (in[i + 1]) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> i += 2;
                    case 'u' -> {
                        hex4(i + 2);
                        i += 6;
                    }
                    default -> throw error("bad escape in a string", i);
                }
                continue;
            }
            if (b >= 0 && b < 0x20) {
                throw error("control character in a string", i);
            }
            i++;
        }
        throw error("unterminated string", start);
    }

    private int hex4(int at) {
        if (at + 4 > in.length) {
            throw error("unterminated string", at);
        }
        int value = 0;
        for (int k = at; k < at + 4; k++) {
            int digit = Character.digit(in[k], 16);
            if (digit < 0) {
                throw error("bad \\u escape in a string", at - 2);
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private Object literal(String word, Object value) {
        int end = pos + word.length();
        if (end > in.length) {
            throw error("unexpected end");
        }
        for (int k = 0; k < word.length(); k++) {
            if (in[pos + k] != word.charAt(k)) {
                throw error("unexpected text");
            }
        }
        pos = end;
        return value;
    }

    /** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
    private Object number(Keep keep) {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (digits() == 0) {
            throw error("unexpected character", start);
        }
        if (pos < in.length && in[pos] == '.') {
            pos++;
            if (digits() == 0) {
                throw error("expected a digit");
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw error("expected a digit");
            }
        }
        return keep == null ? null : new JsonNumber(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
    }

    private int digits() {
        int start = pos;
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    private void skipSpace() {
        byte[] in = this.in;
        int i = pos;
        while (i < in.length) {
            byte b = in[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                break;
            }
            i++;
        }
        pos = i;
    }

    /** The byte at {@code pos}; the end is an error. */
    private byte peek() {
        if (pos >= in.length) {
            throw error("unexpected end");
        }
        return in[pos];
    }

    private IllegalArgumentException error(String what) {
        return error(what, pos);
    }

    private IllegalArgumentException error(String what, int at) {
        return new IllegalArgumentException("not JSON: " + what + " at byte " + at);
    }
}
