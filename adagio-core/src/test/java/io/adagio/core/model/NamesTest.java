package io.adagio.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void anIdSharingAValidIdsPrefixIsStillRefusedForWhatFollowsIt() {
        String valid = "01JF8Z6Q3W5X7Y9A1B3C5D7E9F.1a";
        assertThat(Names.isId("01JF8Z6Q3W5X7Y9A1B3C5D7E9F.1b", valid)).isTrue();
        assertThat(Names.isId("01JF8Z6Q3W5X7Y9A1B3C5D7E9F.1 b", valid)).isFalse();
        assertThat(Names.isId("01JF8Z6Q3W5X7Y9A1B3C5D7E9F./", valid)).isFalse();
        assertThat(Names.isId("01JF8Z6Q3W5X7Y9A1B3C5D7E9F.", valid)).isTrue();
        assertThat(Names.isId("01JF8Z6Q3W5X7Y9A1B3C5D7E9F.\u00e9", valid)).isFalse();
    }

    @Test
    void anIdNotSharingTheKnownPrefixIsCheckedWhole() {
        assertThat(Names.isId("other/prefix.1", "known.1")).isFalse();
        assertThat(Names.isId("other:prefix.1", "known.1")).isTrue();
        assertThat(Names.isId("kno wn.1", "known.1")).isFalse();
        assertThat(Names.isId("a b", null)).isFalse();
        assertThat(Names.isId("", "known.1")).isFalse();
        assertThat(Names.isId(null, "known.1")).isFalse();
        assertThat(Names.isId("known." + "x".repeat(Names.MAX_LENGTH), "known.1"))
                .isFalse();
    }
}
