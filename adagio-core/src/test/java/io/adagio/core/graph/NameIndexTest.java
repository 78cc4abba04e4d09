package io.adagio.core.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NameIndexTest {
    @Test
    void everyNameIsFoundAtItsPositionAndNothingElseIsFound() {
        for (int size : new int[] {1, 2, 3, 7, 64, 1_000, 100_000}) {
            var names = new String[size];
            for (int i = 0; i < size; i++) {
                names[i] = "L" + (i / 1_000) + "-" + (i % 1_000);
            }
            var index = new NameIndex(names);
            for (int i = 0; i < size; i++) {
                assertThat(index.position(names[i])).isEqualTo(i);
                // A copy of the name, not the graph's own string, is found too.
                assertThat(index.position(new String(names[i]))).isEqualTo(i);
            }
            assertThat(index.position("absent")).isEqualTo(-1);
            assertThat(index.position("L0-")).isEqualTo(-1);
            assertThat(index.position(null)).isEqualTo(-1);
            assertThat(index.position("")).isEqualTo(-1);
        }
    }

    @Test
    void namesWhoseHashesCollideAreAllFound() {
        // "Aa" and "BB" have the same String hash code, and so do all their concatenations.
        var names = new String[256];
        var random = new Random(7);
        for (int i = 0; i < names.length; i++) {
            var s = new StringBuilder();
            for (int bit = 0; bit < 8; bit++) {
                s.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            names[i] = s.toString();
        }
        assertThat(names[0].hashCode()).isEqualTo(names[255].hashCode());
        var index = new NameIndex(names);
        for (int n = 0; n < 1_000; n++) {
            int i = random.nextInt(names.length);
            assertThat(index.position(names[i])).isEqualTo(i);
        }
        assertThat(index.position("AaAaAaAaAaAaAaAb")).isEqualTo(-1);
    }

    @Test
    void aNameIndexedTwiceKeepsItsFirstPositionAndSaysWhereItWas() {
        var index = new NameIndex(3);
        assertThat(index.putIfAbsent("a", 0)).isEqualTo(-1);
        assertThat(index.putIfAbsent("b", 1)).isEqualTo(-1);
        assertThat(index.putIfAbsent(new String("a"), 2)).isEqualTo(0);
        assertThat(index.position("a")).isEqualTo(0);
        assertThat(index.position("b")).isEqualTo(1);
    }
}
