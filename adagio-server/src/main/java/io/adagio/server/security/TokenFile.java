package io.adagio.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The format of {@code -auth-token-file}: one {@code NAME:TOKEN} per line, {@code #} comments and
 * blank lines ignored. The NAME says who the token belongs to (it is what the log names); the
 * TOKEN is the secret. Problems are reported by line number only, never with the line's text, which
 * may hold a token.
 */
final class TokenFile {
    /** Names go into log lines: no spaces, no control characters. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@+=-]{1,128}");

    /** Tokens travel in an HTTP header: visible ASCII only. */
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,4096}");

    /** Shorter tokens are accepted with a warning: they may be guessed. */
    static final int RECOMMENDED_LENGTH = 16;

    /** One entry: who, and the SHA-256 of the token (the token itself is not kept). */
    record Entry(String name, byte[] digest, int tokenLength) {}

    /** A line that cannot be read, by number; never its text. */
    static final class InvalidException extends IllegalArgumentException {
        InvalidException(String message) {
            super(message);
        }
    }

    private TokenFile() {}

    static List<Entry> parse(String content) {
        var entries = new ArrayList<Entry>();
        var names = new HashMap<String, Integer>();
        var tokens = new HashMap<String, Integer>();
        var lines = content.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (number == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new InvalidException("line " + number + ": expected NAME:TOKEN");
            }
            String name = line.substring(0, colon).strip();
            String token = line.substring(colon + 1).strip();
            if (!NAME.matcher(name).matches()) {
                throw new InvalidException("line " + number
                        + ": the name must be 1-128 letters, digits or . _ @ + = - (it is what the log shows)");
            }
            if (!TOKEN.matcher(token).matches()) {
                throw new InvalidException(
                        "line " + number + ": the token must be 1-4096 visible ASCII characters, without spaces");
            }
            var sameName = names.putIfAbsent(name, number);
            if (sameName != null) {
                throw new InvalidException(
                        "line " + number + ": the name \"" + name + "\" is already used on line " + sameName);
            }
            var sameToken = tokens.putIfAbsent(token, number);
            if (sameToken != null) {
                throw new InvalidException("line " + number + ": the same token is already on line " + sameToken
                        + " (tokens must differ)");
            }
            entries.add(new Entry(name, digest(token), token.length()));
        }
        return List.copyOf(entries);
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
