package io.adagio.core.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The index of an {@link InputMap}'s store once it holds more than a few entries: input names to
 * their positions, in an open-addressing table probed linearly. One thread writes at a time (the
 * holder of the store's tip: its writes are ordered by the maps it publishes), any thread reads.
 *
 * <p>Why not a {@code ConcurrentHashMap<String, Integer>}: a fan-in's every input went through one,
 * under its run's lock, with a node and a boxed position allocated and a size counter updated each
 * time, 9 % of an agent's samples on a fan-out/fan-in of 10,000. A reader takes the table from a
 * volatile field and each name with acquire semantics; the writer sets a slot's position before
 * releasing its name, and fills a bigger table entirely before publishing it.
 */
final class InputIndex {
    private static final VarHandle NAMES = MethodHandles.arrayElementVarHandle(String[].class);

    private record Table(String[] names, int[] positions, int shift) {
        static Table withRoomFor(int count) {
            // At most half full: short probes.
            int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, count) * 2 - 1));
            return new Table(new String[1 << bits], new int[1 << bits], 32 - bits);
        }

        int slot(String name) {
            return (name.hashCode() * 0x9E3779B9) >>> shift;
        }
    }

    private volatile Table table;
    /** Entries indexed; read and written by the writer only. */
    private int size;

    InputIndex(int expected) {
        table = Table.withRoomFor(expected);
    }

    /** The name's position, or -1. */
    int position(String name) {
        var t = table;
        int mask = t.names.length - 1;
        int slot = t.slot(name);
        String held;
        while ((held = (String) NAMES.getAcquire(t.names, slot)) != null) {
            if (held == name || held.equals(name)) {
                return t.positions[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /**
     * Indexes {@code name} at {@code position} unless it is indexed already. The writer only.
     *
     * @return the position it already had, or -1 if it is new
     */
    int putIfAbsent(String name, int position) {
        int found = position(name);
        if (found >= 0) {
            return found;
        }
        var t = table;
        if ((size + 1) * 2 > t.names.length) {
            var bigger = Table.withRoomFor(t.names.length);
            for (int i = 0; i < t.names.length; i++) {
                var n = t.names[i];
                if (n != null) {
                    insert(bigger, n, t.positions[i]);
                }
            }
            table = bigger;
            t = bigger;
        }
        insert(t, name, position);
        size++;
        return -1;
    }

    private static void insert(Table t, String name, int position) {
        int mask = t.names.length - 1;
        int slot = t.slot(name);
        while (t.names[slot] != null) {
            slot = (slot + 1) & mask;
        }
        t.positions[slot] = position;
        NAMES.setRelease(t.names, slot, name);
    }
}
