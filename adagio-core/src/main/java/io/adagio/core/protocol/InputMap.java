package io.adagio.core.protocol;

import io.adagio.core.model.SharedInputs;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inputs of a node (upstream node name to that node's output, in arrival order): immutable like
 * the rest of a {@link NodeState}, yet extended in O(1). A node waiting on n upstream nodes gains one
 * input per upstream success; copying all of them each time made a fan-in of n nodes cost O(n²).
 *
 * <p>Maps derived from one another share an append-only store, and each reads only the entries
 * below its own size, so none ever sees a change. Only the map at the tip of a store extends it in
 * place; extending an older one (a branch) copies its entries into a new store.
 */
final class InputMap extends AbstractMap<String, byte[]> implements SharedInputs {
    static final InputMap EMPTY = new InputMap(new Store(0), 0);

    private final Store store;
    private final int size;

    private InputMap(Store store, int size) {
        this.store = store;
        this.size = size;
    }

    /** {@code map} as an input map: itself if it is one, else a copy. */
    static InputMap copyOf(Map<String, byte[]> map) {
        if (map instanceof InputMap m) {
            return m;
        }
        if (map == null || map.isEmpty()) {
            return EMPTY;
        }
        var store = new Store(map.size());
        int[] at = {0};
        map.forEach((k, v) -> {
            store.claim(at[0]);
            store.set(at[0]++, Objects.requireNonNull(k, "input name"), v);
        });
        return new InputMap(store, at[0]);
    }

    /** This map with {@code key} mapped to {@code value}. */
    InputMap with(String key, byte[] value) {
        return with(key, value, size + 1);
    }

    /**
     * This map with {@code key} mapped to {@code value}, room being made at once for {@code
     * expectedSize} entries if a new store is needed: a fan-in of 10,000 nodes otherwise grew its
     * store and index a dozen times over, under its run's lock.
     */
    InputMap with(String key, byte[] value, int expectedSize) {
        Objects.requireNonNull(key, "input name");
        var tip = store;
        var tipIndex = tip.index;
        if (size > Store.INDEX_FROM && tipIndex != null && tip.claim(size)) {
            // At the tip of an indexed store, one index operation both looks for the key and adds
            // it: a fan-in of 10,000 nodes did both for each input, under its run's lock. Entries
            // of a tip store are all below its size, so a key found is a key this map has.
            if (tipIndex.putIfAbsent(key, size) < 0) {
                tip.write(size, key, value);
                return new InputMap(tip, size + 1);
            }
            tip.unclaim(size);
        }
        if (containsKey(key)) {
            var copy = new LinkedHashMap<>(this);
            copy.put(key, value);
            return copyOf(copy);
        }
        var s = store;
        if (!s.claim(size)) {
            s = s.branch(size, Math.max(size + 1, expectedSize));
            s.claim(size);
        }
        s.set(size, key, value);
        return new InputMap(s, size + 1);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean containsKey(Object key) {
        return position(key) >= 0;
    }

    @Override
    public byte[] get(Object key) {
        int p = position(key);
        return p < 0 ? null : store.entries.values[p];
    }

    private int position(Object key) {
        if (!(key instanceof String name) || size == 0) {
            return -1;
        }
        var index = store.index;
        if (index != null && size > Store.INDEX_FROM) {
            int p = index.position(name);
            return p < size ? p : -1;
        }
        var keys = store.entries.keys;
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Set<Entry<String, byte[]>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, byte[]>> iterator() {
                var entries = store.entries;
                return new Iterator<>() {
                    int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<String, byte[]> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(entries.keys[i], entries.values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /**
     * The shared, append-only entries. {@link #claim} decides who may write a position (the holder of
     * the map at the tip); positions below any published map's size are never written again.
     */
    private static final class Store {
        /** Up to this many entries a lookup scans; beyond, it uses the index. */
        static final int INDEX_FROM = 8;

        private final AtomicInteger length = new AtomicInteger();
        volatile Entries entries;
        volatile InputIndex index;

        Store(int capacity) {
            entries = new Entries(new String[Math.max(capacity, 2)], new byte[Math.max(capacity, 2)][]);
        }

        boolean claim(int at) {
            return length.compareAndSet(at, at + 1);
        }

        /** Gives back the position just claimed, unwritten. */
        void unclaim(int at) {
            length.compareAndSet(at + 1, at);
        }

        /**
         * Writes a claimed position's entry, but not into the index. Only its claimer calls this,
         * before publishing the map that has it.
         */
        Entries write(int at, String key, byte[] value) {
            var e = entries;
            if (at >= e.keys.length) {
                int capacity = e.keys.length * 2;
                e = new Entries(Arrays.copyOf(e.keys, capacity), Arrays.copyOf(e.values, capacity));
            }
            e.keys[at] = key;
            e.values[at] = value;
            entries = e;
            return e;
        }

        /** Writes a claimed position, and indexes it. Only its claimer calls this, before publishing the map that has it. */
        void set(int at, String key, byte[] value) {
            var e = write(at, key, value);
            var ix = index;
            if (ix != null) {
                ix.putIfAbsent(key, at);
            } else if (at + 1 > INDEX_FROM) {
                ix = new InputIndex(e.keys.length);
                for (int i = 0; i <= at; i++) {
                    ix.putIfAbsent(e.keys[i], i);
                }
                index = ix;
            }
        }

        /** A new store holding this one's first {@code size} entries, with room for {@code capacity}. */
        Store branch(int size, int capacity) {
            var copy = new Store(capacity);
            var e = entries;
            for (int i = 0; i < size; i++) {
                copy.claim(i);
                copy.set(i, e.keys[i], e.values[i]);
            }
            return copy;
        }
    }

    private record Entries(String[] keys, byte[][] values) {}
}
