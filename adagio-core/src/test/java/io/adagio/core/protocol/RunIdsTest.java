package io.adagio.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.f4b6a3.ulid.Ulid;
import java.time.Instant;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class RunIdsTest {
    @Test
    void idsAreUlidsCarryingTheCreationTimeAndSortInCreationOrder() {
        var now = Instant.parse("2026-11-27T15:34:23.123456789Z");
        var ids = new ArrayList<String>();
        for (int i = 0; i < 1000; i++) {
            ids.add(RunIds.next(now)); // all in the same millisecond
        }
        ids.add(RunIds.next(now.plusMillis(1)));
        assertThat(ids).allSatisfy(id -> assertThat(id).matches("[0-9A-HJKMNP-TV-Z]{26}"));
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(Ulid.from(ids.getFirst()).getInstant()).isEqualTo(Instant.parse("2026-11-27T15:34:23.123Z"));
    }
}
