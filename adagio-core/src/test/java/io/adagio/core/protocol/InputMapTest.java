package io.adagio.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Input maps behave as immutable insertion-ordered maps, whatever shares their store. */
class InputMapTest {

    private static byte[] out(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertSameAs(InputMap actual, LinkedHashMap<String, byte[]> expected) {
        assertThat(actual).hasSize(expected.size());
        assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
        expected.forEach((k, v) -> {
            assertThat(actual.containsKey(k)).isTrue();
            assertThat(actual.get(k)).isSameAs(v);
        });
        assertThat(actual.get("absent")).isNull();
        assertThat(actual.containsKey("absent")).isFalse();
        assertThat(actual).isEqualTo(expected);
        assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
    }

    @Test
    void growsOneInputAtATimeAndKeepsEveryEarlierMapAsItWas() {
        var maps = new ArrayList<InputMap>();
        var expected = new ArrayList<LinkedHashMap<String, byte[]>>();
        var map = InputMap.EMPTY;
        var model = new LinkedHashMap<String, byte[]>();
        for (int i = 0; i < 100; i++) {
            maps.add(map);
            expected.add(new LinkedHashMap<>(model));
            var v = out("output " + i);
            map = map.with("n" + i, v);
            model.put("n" + i, v);
        }
        for (int i = 0; i < maps.size(); i++) {
            assertSameAs(maps.get(i), expected.get(i));
        }
        assertSameAs(map, model);
    }

    @Test
    void extendingAnOlderMapBranchesWithoutDisturbingTheOthers() {
        var base = InputMap.EMPTY;
        for (int i = 0; i < 20; i++) {
            base = base.with("n" + i, out("v" + i));
        }
        var older = base;
        var tip = base.with("a", out("A"));
        var branch = older.with("b", out("B"));
        var branchOfBranch = branch.with("c", out("C"));
        var smallBranch = InputMap.copyOf(Map.of("x", out("X"))).with("y", out("Y"));

        assertThat(older).hasSize(20).doesNotContainKeys("a", "b");
        assertThat(tip).hasSize(21).containsKey("a").doesNotContainKey("b");
        assertThat(branch).hasSize(21).containsKey("b").doesNotContainKey("a");
        assertThat(branchOfBranch).hasSize(22).containsKeys("b", "c").doesNotContainKey("a");
        assertThat(smallBranch.keySet()).containsExactly("x", "y");
        assertThat(new ArrayList<>(branch.keySet()).getLast()).isEqualTo("b");
    }

    @Test
    void replacingAnInputKeepsItsPlaceAndLeavesTheOldMapAlone() {
        var a = InputMap.EMPTY.with("p", out("1")).with("q", out("2"));
        var b = a.with("p", out("3"));
        assertThat(new String(b.get("p"), StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(new String(a.get("p"), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(b.keySet()).containsExactly("p", "q");
    }

    @Test
    void replacingAnInputOfABigMapLeavesItExtendable() {
        var big = InputMap.EMPTY;
        var model = new LinkedHashMap<String, byte[]>();
        for (int i = 0; i < 50; i++) {
            var value = out("v" + i);
            big = big.with("n" + i, value);
            model.put("n" + i, value);
        }
        var again = out("again");
        var v50 = out("v50");
        var v51 = out("v51");
        var replaced = big.with("n7", again, 100);
        var extended = big.with("n50", v50, 100);
        assertSameAs(big, model);
        assertSameAs(replaced, withEntry(model, "n7", again));
        var extendedModel = withEntry(model, "n50", v50);
        assertSameAs(extended, extendedModel);
        assertSameAs(extended.with("n51", v51), withEntry(extendedModel, "n51", v51));
    }

    private static LinkedHashMap<String, byte[]> withEntry(LinkedHashMap<String, byte[]> model, String k, byte[] v) {
        var copy = new LinkedHashMap<>(model);
        copy.put(k, v);
        return copy;
    }

    @Test
    void isImmutable() {
        var map = InputMap.EMPTY.with("p", out("1"));
        assertThatThrownBy(() -> map.put("q", out("2"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.remove("p")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(map::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(out("x")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(map).containsOnlyKeys("p");
    }

    @Test
    void aNodeHoldsItAsItIsYetHandsOutCopies() {
        var map = InputMap.EMPTY.with("p", out("1")).with("q", out("2"));
        var node = new Node(new NodeSpec("n", "debug"), NodeStatus.WAITING, List.of(), null, null, map, null);
        // What snapshots of a wide fan-in share instead of copying each time.
        assertThat(node)
                .isEqualTo(new Node(new NodeSpec("n", "debug"), NodeStatus.WAITING, List.of(), null, null, map, null));
        var handedOut = node.inputs();
        handedOut.get("p")[0] = 'x';
        assertThat(node.inputs().get("p")).isEqualTo(out("1"));
        assertThat(map.get("p")).isEqualTo(out("1"));
    }

    @Test
    void copiesOtherMapsInTheirOrder() {
        var source = new LinkedHashMap<String, byte[]>();
        for (int i = 30; i > 0; i--) {
            source.put("k" + i, out("v" + i));
        }
        var map = InputMap.copyOf(source);
        assertSameAs(map, source);
        assertThat(InputMap.copyOf(map)).isSameAs(map);
        assertThat(InputMap.copyOf(null)).isEmpty();
    }

    @Test
    void randomBranchingAgreesWithCopiedMaps() {
        var random = new Random(42);
        var maps = new ArrayList<InputMap>(List.of(InputMap.EMPTY));
        var models = new ArrayList<LinkedHashMap<String, byte[]>>(List.of(new LinkedHashMap<>()));
        for (int step = 0; step < 2_000; step++) {
            // Mostly extend the newest map (the protocol's case), sometimes an older one.
            int from = random.nextInt(4) == 0 ? random.nextInt(maps.size()) : maps.size() - 1;
            var key = "n" + random.nextInt(300);
            var value = out("v" + step);
            var model = new LinkedHashMap<>(models.get(from));
            model.put(key, value);
            maps.add(maps.get(from).with(key, value));
            models.add(model);
        }
        for (int i = 0; i < maps.size(); i++) {
            assertSameAs(maps.get(i), models.get(i));
        }
    }

    @Test
    void concurrentExtensionsOfOneMapEachGetTheirOwn() throws Exception {
        var base = InputMap.EMPTY;
        for (int i = 0; i < 10; i++) {
            base = base.with("n" + i, out("v" + i));
        }
        int threads = 4;
        var barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 200; round++) {
                var start = base;
                var futures = new ArrayList<Future<InputMap>>();
                for (int t = 0; t < threads; t++) {
                    var key = "t" + t;
                    futures.add(pool.submit(() -> {
                        barrier.await(10, TimeUnit.SECONDS);
                        // First a replacement of an input the shared map has (the tip's holder gives
                        // its claimed place back), then new inputs.
                        var m = start.with("n3", out(key));
                        for (int j = 0; j < 20; j++) {
                            m = m.with(key + "-" + j, out(key));
                        }
                        return m;
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    var m = futures.get(t).get(10, TimeUnit.SECONDS);
                    var own = "t" + t;
                    assertThat(m).hasSize(30);
                    assertThat(m.get("n3")).isEqualTo(out(own));
                    for (int j = 0; j < 20; j++) {
                        assertThat(m.get(own + "-" + j)).isEqualTo(out(own));
                    }
                    assertThat(m.keySet())
                            .filteredOn(k -> k.startsWith("t") && !k.startsWith(own))
                            .isEmpty();
                }
                assertThat(start).hasSize(10);
                assertThat(start.get("n3")).isEqualTo(out("v3"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The tip of a store grows (and its index with it) while other threads read earlier maps of it. */
    @Test
    void readersOfAGrowingFanInFindExactlyTheInputsOfTheMapTheyHold() throws Exception {
        int inputs = 20_000;
        var published = new java.util.concurrent.atomic.AtomicReference<>(InputMap.EMPTY);
        var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var checked = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            var writer = pool.submit(() -> {
                var m = InputMap.EMPTY;
                for (int i = 0; i < inputs; i++) {
                    // No expected size: the store and its index grow as it goes.
                    m = m.with("up-" + i, out("v" + i));
                    published.set(m);
                }
                return m;
            });
            var readers = new ArrayList<Future<?>>();
            for (int r = 0; r < 2; r++) {
                int seed = r;
                readers.add(pool.submit(() -> {
                    var random = new java.util.Random(seed);
                    while (!writer.isDone()) {
                        var m = published.get();
                        int size = m.size();
                        if (size == 0) {
                            continue;
                        }
                        int i = random.nextInt(size);
                        if (!java.util.Arrays.equals(m.get("up-" + i), out("v" + i))) {
                            failures.add("input " + i + " of a map of " + size);
                        }
                        if (m.containsKey("up-" + (size + random.nextInt(50)))) {
                            failures.add("an input beyond a map of " + size);
                        }
                        checked.incrementAndGet();
                    }
                }));
            }
            var last = writer.get(60, TimeUnit.SECONDS);
            for (var reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
            assertThat(failures).isEmpty();
            assertThat(checked.get()).isPositive();
            assertThat(last).hasSize(inputs);
            for (int i = 0; i < inputs; i++) {
                assertThat(last.get("up-" + i)).isEqualTo(out("v" + i));
            }
            // The same name again is a replacement, not a second entry.
            var replaced = last.with("up-7", out("again"));
            assertThat(replaced).hasSize(inputs);
            assertThat(replaced.get("up-7")).isEqualTo(out("again"));
            assertThat(last.get("up-7")).isEqualTo(out("v7"));
        } finally {
            pool.shutdownNow();
        }
    }
}
