package io.adagio.bench.peer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Conductor's server boot jar from Maven Central, downloaded once into a cache directory and checked
 * against the SHA-1 published next to it (kept beside the jar, so that a cached jar is checked again
 * on every use, also offline).
 */
final class ConductorJar {
    static final String VERSION = "3.15.0";
    static final String NAME = "conductor-server-" + VERSION + "-boot.jar";
    static final String URL =
            "https://repo1.maven.org/maven2/com/netflix/conductor/conductor-server/" + VERSION + "/" + NAME;

    private ConductorJar() {}

    /** {@code $XDG_CACHE_HOME/adagio-bench}, else {@code ~/.cache/adagio-bench}. */
    static Path defaultCache() {
        var xdg = System.getenv("XDG_CACHE_HOME");
        var base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("adagio-bench");
    }

    /** The verified jar in {@code cache}, downloaded first if it is not there. */
    static Path obtain(Path cache, java.util.function.Consumer<String> progress) throws IOException {
        Files.createDirectories(cache);
        var jar = cache.resolve(NAME);
        var sha1File = cache.resolve(NAME + ".sha1");
        var http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        if (!Files.exists(sha1File)) {
            var tmp = Files.createTempFile(cache, "sha1", ".part");
            download(http, URL + ".sha1", tmp);
            Files.move(tmp, sha1File, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        String expected = expectedSha1(Files.readString(sha1File, StandardCharsets.US_ASCII));
        if (Files.exists(jar) && sha1(jar).equals(expected)) {
            return jar;
        }
        progress.accept("peer: downloading " + URL + " (108 MB) into " + cache);
        var tmp = Files.createTempFile(cache, "conductor", ".part");
        try {
            download(http, URL, tmp);
            String actual = sha1(tmp);
            if (!actual.equals(expected)) {
                throw new IOException(
                        "the downloaded " + NAME + " has SHA-1 " + actual + ", Maven Central publishes " + expected);
            }
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return jar;
    }

    /** The hex digest of a {@code .sha1} file: its first word, which Maven Central writes alone. */
    static String expectedSha1(String sha1File) throws IOException {
        var word = sha1File.strip().split("\\s+")[0].toLowerCase(Locale.ROOT);
        if (!word.matches("[0-9a-f]{40}")) {
            throw new IOException("the .sha1 file of " + NAME + " does not hold a SHA-1: \"" + sha1File.strip() + "\"");
        }
        return word;
    }

    static String sha1(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var digest = MessageDigest.getInstance("SHA-1");
            var buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-1", e);
        }
    }

    private static void download(HttpClient http, String url, Path to) throws IOException {
        try {
            var response = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofMinutes(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofFile(to));
            if (response.statusCode() != 200) {
                throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + url, e);
        }
    }
}
