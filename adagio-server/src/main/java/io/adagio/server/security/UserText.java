package io.adagio.server.security;

/**
 * Values a client sent (an origin, a host, a path, a content type), made safe to quote in a message or
 * a log line; and messages made short enough to travel in a gRPC trailer.
 */
public final class UserText {
    /** Longer values are cut: a message names the value, it does not echo a megabyte of it. */
    public static final int MAX_QUOTED = 200;

    private UserText() {}

    /**
     * The value in double quotes, at most {@value #MAX_QUOTED} characters of it (then "..."), with
     * quotes, backslashes, control characters and lone surrogates escaped so that it cannot break a log
     * line or a message.
     */
    public static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        var out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('"');
        int shown = Math.min(value.length(), MAX_QUOTED);
        if (shown < value.length() && Character.isHighSurrogate(value.charAt(shown - 1))) {
            shown--; // never cut a character in two
        }
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else if (Character.isSurrogate(c) && !isPaired(value, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (shown < value.length()) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    /**
     * The message cut to at most {@code maxBytes} bytes of UTF-8 (at a character boundary, then " [cut]"), so
     * that a message built from many quoted values still fits where it must go (a gRPC trailer).
     */
    public static String cap(String message, int maxBytes) {
        if (message == null || message.length() * 3 <= maxBytes) {
            return message;
        }
        int bytes = 0;
        for (int i = 0; i < message.length(); ) {
            int cp = message.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes - 6) {
                return message.substring(0, i) + " [cut]";
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return message;
    }

    private static boolean isPaired(String value, int i) {
        char c = value.charAt(i);
        return Character.isHighSurrogate(c)
                ? i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
    }

    /** A message as a {@code grpc-message} header carries it: UTF-8, bytes outside printable ASCII and '%' as %XX. */
    public static String grpcMessage(String message) {
        var out = new StringBuilder();
        for (byte b : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
