package io.adagio.core.model;

/**
 * The two alphabets of identifiers. Names (nodes, runtimes, run ids) become segments of storage
 * keys; ids (agents, claims) come from agent processes and may also hold a host and port. Neither
 * holds '/', whitespace or control characters, so every backend can store them as they are.
 * Checked without a regular expression: these checks sit on the claim and finish paths.
 */
public final class Names {
    /** The longest name or id. */
    public static final int MAX_LENGTH = 253;
    /** How much of a refused value an error message quotes. */
    private static final int MAX_QUOTED = 200;

    public static final String NAME_RULE = "1-253 characters of A-Z a-z 0-9 . _ -";
    public static final String ID_RULE = "1-253 characters of A-Z a-z 0-9 . _ : @ -";

    private static final boolean[] NAME_CHARS = new boolean[128];
    private static final boolean[] ID_CHARS = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            NAME_CHARS[c] = true;
            NAME_CHARS[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            NAME_CHARS[c] = true;
        }
        NAME_CHARS['.'] = true;
        NAME_CHARS['_'] = true;
        NAME_CHARS['-'] = true;
        System.arraycopy(NAME_CHARS, 0, ID_CHARS, 0, NAME_CHARS.length);
        ID_CHARS[':'] = true;
        ID_CHARS['@'] = true;
    }

    private Names() {}

    /** A node name, runtime or run id: {@value #NAME_RULE}. */
    public static boolean isName(String s) {
        return matches(s, NAME_CHARS);
    }

    /** An agent or claim id: {@value #ID_RULE}. */
    public static boolean isId(String s) {
        return matches(s, ID_CHARS);
    }

    /**
     * Whether {@code s} is an id, knowing that {@code valid} is one (or null): only what follows the
     * prefix they share up to {@code valid}'s last dot is checked. The claim ids of one claimer are a
     * prefix, a dot and a counter, and checking each whole was 4 % of an agent's samples.
     */
    public static boolean isId(String s, String valid) {
        if (valid == null || s == null || s.length() > MAX_LENGTH) {
            return isId(s);
        }
        int from = valid.lastIndexOf('.') + 1;
        if (from == 0 || s.length() <= from || !s.regionMatches(0, valid, 0, from)) {
            return isId(s);
        }
        return matchesFrom(s, from, ID_CHARS);
    }

    /**
     * {@code s} in double quotes for an error message, cut short if it is long, with quotes,
     * backslashes, control characters and lone surrogates escaped: a message quotes what a client
     * sent, so it must stay one readable line of valid Unicode whatever was sent.
     */
    public static String quote(String s) {
        if (s == null) {
            return "nothing";
        }
        int shown = Math.min(s.length(), MAX_QUOTED);
        if (shown < s.length() && Character.isHighSurrogate(s.charAt(shown - 1))) {
            shown--;
        }
        var out = new StringBuilder(shown + 32).append('"');
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !Text.pairedAt(s, i))) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
        return shown < s.length() ? out + "... (" + s.length() + " characters)" : out.toString();
    }

    private static boolean matches(String s, boolean[] allowed) {
        if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) {
            return false;
        }
        return matchesFrom(s, 0, allowed);
    }

    private static boolean matchesFrom(String s, int from, boolean[] allowed) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !allowed[c]) {
                return false;
            }
        }
        return true;
    }
}
