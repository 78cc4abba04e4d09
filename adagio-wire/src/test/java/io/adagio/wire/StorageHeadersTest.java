package io.adagio.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.StorageUsage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageHeadersTest {
    @Test
    void usageGoesOutAndComesBackAsHeaders() {
        var usage = new StorageUsage(10_485_760, 3_000_000, 2L << 30, true);
        var headers = StorageHeaders.of(usage);
        assertThat(headers)
                .containsEntry("adagio-storage-size-bytes", "10485760")
                .containsEntry("adagio-storage-full", "true");
        assertThat(StorageHeaders.read(headers::get)).contains(usage);
    }

    @Test
    void noHeadersOrGarbageIsNoUsage() {
        assertThat(StorageHeaders.read(name -> null)).isEmpty();
        assertThat(StorageHeaders.read(Map.of("adagio-storage-size-bytes", "lots")::get))
                .isEmpty();
    }
}
