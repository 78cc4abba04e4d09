package io.adagio.wire;

import io.adagio.core.model.StorageUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * How full the store is, sent beside the Stats answer as response metadata (gRPC headers, HTTP
 * headers on {@code GET /v0/stats}): the Stats message's fields are fixed by the wire contract, and
 * metadata reaches a client over the same connection, credentials and TLS as the call itself.
 * Clients that do not know these headers ignore them.
 */
public final class StorageHeaders {
    public static final String SIZE = "adagio-storage-size-bytes";
    public static final String IN_USE = "adagio-storage-in-use-bytes";
    public static final String QUOTA = "adagio-storage-quota-bytes";
    public static final String FULL = "adagio-storage-full";

    private StorageHeaders() {}

    public static Map<String, String> of(StorageUsage usage) {
        var headers = new LinkedHashMap<String, String>();
        headers.put(SIZE, Long.toString(usage.sizeBytes()));
        headers.put(IN_USE, Long.toString(usage.inUseBytes()));
        headers.put(QUOTA, Long.toString(usage.quotaBytes()));
        headers.put(FULL, Boolean.toString(usage.full()));
        return headers;
    }

    /** The usage the headers carry, empty when they carry none (a server without it, or an older one). */
    public static Optional<StorageUsage> read(Function<String, String> header) {
        var size = header.apply(SIZE);
        if (size == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StorageUsage(
                    Long.parseLong(size.trim()),
                    number(header.apply(IN_USE)),
                    number(header.apply(QUOTA)),
                    "true".equalsIgnoreCase(String.valueOf(header.apply(FULL)).trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long number(String value) {
        return value == null ? -1 : Long.parseLong(value.trim());
    }
}
