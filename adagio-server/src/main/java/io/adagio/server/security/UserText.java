package io.adagio.server.security;

/** Values a client sent (an origin, a host, a content type), made safe to quote in a message or a log line. */
final class UserText {
    /** Longer values are cut: a message names the value, it does not echo a megabyte of it. */
    static final int MAX_QUOTED = 200;

    private UserText() {}

    /**
     * The value in double quotes, at most {@value #MAX_QUOTED} characters of it (then "..."), with
     * quotes, backslashes and control characters escaped so that it cannot break a log line or a message.
     */
    static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        var out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('"');
        int shown = Math.min(value.length(), MAX_QUOTED);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (value.length() > MAX_QUOTED) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
