package io.adagio.server.security;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens of {@code -auth-token-file}, kept current: the file is read again when it
 * changes (its modification time, size or identity, checked every couple of seconds, which also
 * sees the symlink swaps of mounted secrets) and whenever {@link #reload()} is called (adagiod does
 * on SIGHUP). A file that has become unreadable or invalid is reported and the tokens read before
 * stay in force: a typo while editing must not lock everyone out nor let everyone in.
 *
 * <p>Tokens are compared in constant time: the SHA-256 of the presented token against the digest of
 * every entry with {@link MessageDigest#isEqual}, all of them every time, so neither the position
 * of a match nor a common prefix shows in the time taken. No token is ever logged.
 */
public final class TokenStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenStore.class);

    /** How often the file's attributes are looked at. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** What was read last, and the file attributes it was read with. */
    private record Snapshot(List<TokenFile.Entry> entries, Object version) {}

    private final Path file;
    private volatile Snapshot snapshot;
    private ScheduledExecutorService watcher;

    private TokenStore(Path file, Snapshot snapshot) {
        this.file = file;
        this.snapshot = snapshot;
    }

    /**
     * Reads the file; it is checked for changes every {@code checkInterval} until {@link #close()}.
     *
     * @throws IllegalArgumentException when the file cannot be read or is invalid (the message names
     *                                  the file and the line, never a token)
     */
    public static TokenStore open(Path file, Duration checkInterval) {
        Objects.requireNonNull(file, "file");
        var first = read(file);
        if (first.entries().isEmpty()) {
            throw new IllegalArgumentException("token file " + file + " holds no token (expected lines NAME:TOKEN)");
        }
        var store = new TokenStore(file, first);
        store.warnAbout(first.entries());
        store.watcher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("adagio-token-file").daemon().factory());
        long every = Math.max(1, checkInterval.toMillis());
        store.watcher.scheduleWithFixedDelay(store::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        log.info(
                "API authentication: {} token(s) from {}",
                store.snapshot.entries().size(),
                file);
        return store;
    }

    /** The NAME of the token's owner, or empty when no token matches. */
    public Optional<String> nameOf(String token) {
        if (token == null) {
            return Optional.empty();
        }
        byte[] presented = TokenFile.digest(token);
        String match = null;
        for (var entry : snapshot.entries()) {
            if (MessageDigest.isEqual(presented, entry.digest())) {
                match = entry.name();
            }
        }
        return Optional.ofNullable(match);
    }

    /** Reads the file again now; on failure logs why and keeps the tokens in force. Returns whether it was read. */
    public synchronized boolean reload() {
        try {
            var next = read(file);
            snapshot = next;
            warnAbout(next.entries());
            log.info(
                    "token file {} read again: {} token(s)",
                    file,
                    next.entries().size());
            if (next.entries().isEmpty()) {
                log.warn("token file {} holds no token: every API call is refused until one is added", file);
            }
            return true;
        } catch (IllegalArgumentException e) {
            log.error(
                    "token file not read again, the {} token(s) read before stay in force: {}",
                    snapshot.entries().size(),
                    e.getMessage());
            return false;
        }
    }

    private synchronized void reloadIfChanged() {
        try {
            var version = version(file);
            if (!version.equals(snapshot.version())) {
                // Remember the version even if the file is invalid, so the error is logged once per change.
                if (!reload()) {
                    snapshot = new Snapshot(snapshot.entries(), version);
                }
            }
        } catch (IOException e) {
            var missing = new Snapshot(snapshot.entries(), "unreadable: " + e.getMessage());
            if (!missing.version().equals(snapshot.version())) {
                log.error(
                        "cannot read token file {} ({}): the {} token(s) read before stay in force",
                        file,
                        e.getMessage(),
                        snapshot.entries().size());
                snapshot = missing;
            }
        } catch (RuntimeException e) {
            log.error("checking token file {} failed: {}", file, e.toString());
        }
    }

    private void warnAbout(List<TokenFile.Entry> entries) {
        for (var entry : entries) {
            if (entry.tokenLength() < TokenFile.RECOMMENDED_LENGTH) {
                log.warn(
                        "the token of \"{}\" has only {} characters: use a long random one (openssl rand -hex 32)",
                        entry.name(),
                        entry.tokenLength());
            }
        }
    }

    private static Snapshot read(Path file) {
        try {
            var version = version(file);
            byte[] bytes = Files.readAllBytes(file);
            String content;
            try {
                content = StandardCharsets.UTF_8
                        .newDecoder()
                        .decode(java.nio.ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("token file " + file + " is not UTF-8 text");
            }
            return new Snapshot(TokenFile.parse(content), version);
        } catch (TokenFile.InvalidException e) {
            throw new IllegalArgumentException("token file " + file + ", " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + describe(e), e);
        }
    }

    /** What identifies one version of the file: modification time, size and file key (inode), links followed. */
    private static Object version(Path file) throws IOException {
        var attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file");
        }
        return List.of(
                attributes.lastModifiedTime(),
                attributes.size(),
                Objects.requireNonNullElse(attributes.fileKey(), "no file key"));
    }

    private static String describe(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }

    /** Stops watching the file. */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
