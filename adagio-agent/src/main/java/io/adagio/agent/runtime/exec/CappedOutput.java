package io.adagio.agent.runtime.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The first {@code max} bytes of a stream, counting (and dropping) the rest so the program never blocks on a full pipe. */
final class CappedOutput {
    private final int max;
    private byte[] kept;
    private int size;
    private long dropped;

    CappedOutput(int max) {
        this.max = max;
        this.kept = new byte[Math.min(max, 64 * 1024)];
    }

    void readAll(InputStream in) {
        var chunk = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                append(chunk, n);
            }
        } catch (IOException e) {
            // The stream was closed under us (see drain): keep what was read.
        }
    }

    private synchronized void append(byte[] chunk, int n) {
        int room = max - size;
        int take = Math.min(room, n);
        if (take > 0) {
            if (size + take > kept.length) {
                var grown = new byte[(int) Math.min(max, Math.max((long) kept.length * 2, size + take))];
                System.arraycopy(kept, 0, grown, 0, size);
                kept = grown;
            }
            System.arraycopy(chunk, 0, kept, size, take);
            size += take;
        }
        dropped += n - take;
    }

    synchronized byte[] bytes() {
        var out = new byte[size];
        System.arraycopy(kept, 0, out, 0, size);
        if (dropped == 0) {
            return out;
        }
        var marker = ("\n[output truncated: kept the first " + size + " bytes, dropped " + dropped + "]\n")
                .getBytes(StandardCharsets.UTF_8);
        var all = new byte[out.length + marker.length];
        System.arraycopy(out, 0, all, 0, out.length);
        System.arraycopy(marker, 0, all, out.length, marker.length);
        return all;
    }

    synchronized void describeTruncation(Map<String, List<String>> metadata) {
        if (dropped > 0) {
            metadata.put(ExecRuntime.OUTPUT_TRUNCATED, List.of(Long.toString(dropped)));
        }
    }
}
