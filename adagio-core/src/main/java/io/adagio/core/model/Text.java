package io.adagio.core.model;

/**
 * Whether text a client sent is valid Unicode. Java strings are UTF-16 and can hold a lone surrogate
 * (JSON's {@code "\ud800"}), which no UTF-8 encoding can represent: stored as protobuf it would come
 * back altered, so it is refused where it enters instead.
 */
public final class Text {
    private Text() {}

    /** The index of the first lone surrogate in {@code s}, or -1 when {@code s} is valid Unicode (or null). */
    public static int loneSurrogate(String s) {
        if (s == null) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!pairedAt(s, i)) {
                    return i;
                }
                i++; // the low half of a pair
            }
        }
        return -1;
    }

    public static boolean isValidUnicode(String s) {
        return loneSurrogate(s) < 0;
    }

    /** Whether the surrogate at {@code i} is half of a pair. */
    static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c)
                ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
