package io.adagio.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small JSON reader for the lean path: objects become {@link Map}s (in document order), arrays
 * {@link List}s, strings {@link String}s, numbers {@link Number} (their text kept as a
 * {@link JsonNumber}), true and false {@link Boolean}s, null null. A few classes instead of
 * protobuf's JSON parser and its descriptors is most of why the lean path starts fast.
 */
final class JsonReader {
    /** A number as written: the wire's int64 values may not fit a double, so the text is kept. */
    record JsonNumber(String text) {}

    private final String s;
    private final Set<String> skipped;
    private int at;

    private JsonReader(String s, Set<String> skipped) {
        this.s = s;
        this.skipped = skipped;
    }

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
        var reader = new JsonReader(text, skipped);
        Object value = reader.value(0);
        reader.space();
        if (reader.at != text.length()) {
            throw reader.error("trailing text");
        }
        return value;
    }

    private Object value(int depth) {
        if (depth > 64) {
            throw error("nested too deeply");
        }
        space();
        if (at >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(at);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> word("true", Boolean.TRUE);
            case 'f' -> word("false", Boolean.FALSE);
            case 'n' -> word("null", null);
            default -> number();
        };
    }

    /**
     * Reads past one value without building it: its structure is checked, the insides of its
     * strings are not (nothing reads them).
     */
    private void skip(int depth) {
        if (depth > 64) {
            throw error("nested too deeply");
        }
        space();
        char c = peek();
        if (c == '"') {
            skipString();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            at++;
            space();
            if (peek() == close) {
                at++;
                return;
            }
            while (true) {
                if (close == '}') {
                    space();
                    if (peek() != '"') {
                        throw error("expected a field name");
                    }
                    skipString();
                    space();
                    expect(':');
                }
                skip(depth + 1);
                space();
                char d = next();
                if (d == close) {
                    return;
                }
                if (d != ',') {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        } else {
            value(depth);
        }
    }

    private void skipString() {
        at++;
        while (true) {
            int quote = s.indexOf('"', at);
            if (quote < 0) {
                throw error("unterminated string");
            }
            // The quote ends the string unless an odd number of backslashes comes before it.
            int backslashes = 0;
            while (s.charAt(quote - 1 - backslashes) == '\\') {
                backslashes++;
            }
            at = quote + 1;
            if (backslashes % 2 == 0) {
                return;
            }
        }
    }

    private Map<String, Object> object(int depth) {
        var map = new LinkedHashMap<String, Object>();
        at++;
        space();
        if (peek() == '}') {
            at++;
            return map;
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw error("expected a field name");
            }
            String key = string();
            space();
            expect(':');
            if (skipped.contains(key)) {
                skip(depth + 1);
            } else {
                map.put(key, value(depth + 1));
            }
            space();
            char c = next();
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        var list = new ArrayList<Object>();
        at++;
        space();
        if (peek() == ']') {
            at++;
            return list;
        }
        while (true) {
            list.add(value(depth + 1));
            space();
            char c = next();
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        at++; // the opening quote
        int start = at;
        // The usual case, a string without escapes, is one substring.
        while (at < s.length()) {
            char c = s.charAt(at);
            if (c == '"') {
                return s.substring(start, at++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            at++;
        }
        var b = new StringBuilder().append(s, start, at);
        while (true) {
            char c = next();
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (at + 4 > s.length()) {
                        throw error("short \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(s, at, at + 4, 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape");
            }
        }
    }

    private JsonNumber number() {
        int start = at;
        while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
            at++;
        }
        if (start == at) {
            throw error("unexpected character");
        }
        return new JsonNumber(s.substring(start, at));
    }

    private Object word(String word, Object value) {
        if (!s.startsWith(word, at)) {
            throw error("unexpected character");
        }
        at += word.length();
        return value;
    }

    private void space() {
        while (at < s.length()) {
            char c = s.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            at++;
        }
    }

    private char peek() {
        if (at >= s.length()) {
            throw error("unexpected end");
        }
        return s.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at offset " + at + ": " + what);
    }
}
