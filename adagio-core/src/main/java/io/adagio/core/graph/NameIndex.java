package io.adagio.core.graph;

/**
 * A graph's node names to their positions: an open-addressing table of the names themselves,
 * probed linearly, with the positions in a parallel array. Immutable once built.
 *
 * <p>Why not a {@code HashMap<String, Integer>}: every protocol step looks nodes up by name, and in
 * a 100,000-node run a map's lookup reached three places in memory (the table, the entry, the boxed
 * position), most of them cold: a fifth of an agent's samples. Here a lookup reads the table's slot
 * and the position beside it; the name is compared by reference first, since callers nearly always
 * pass back the graph's own strings. Filled once (by the validator, or from an array of names),
 * then only read.
 */
final class NameIndex {
    private final String[] names;
    private final int[] positions;
    private final int shift;

    /** Indexes {@code names} (no duplicates, no nulls) by their position in the array. */
    NameIndex(String[] names) {
        this(names.length);
        for (int p = 0; p < names.length; p++) {
            putIfAbsent(names[p], p);
        }
    }

    /**
     * An empty index with room for {@code expected} names, filled by {@link #putIfAbsent}: the
     * validator builds it as it checks the names, and the run's graph keeps it.
     */
    NameIndex(int expected) {
        // At most half full: short probes.
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, expected) * 2 - 1));
        int capacity = 1 << bits;
        this.names = new String[capacity];
        this.positions = new int[capacity];
        this.shift = 32 - bits;
    }

    /**
     * Indexes {@code name} (not null) at {@code position} unless it is indexed already; at most as
     * many names as the index was made for.
     *
     * @return the position it already had, or -1 if it is new
     */
    int putIfAbsent(String name, int position) {
        int slot = slotOf(name);
        if (names[slot] != null) {
            return positions[slot];
        }
        names[slot] = name;
        positions[slot] = position;
        return -1;
    }

    /** The name's position, or -1. */
    int position(String name) {
        if (name == null) {
            return -1;
        }
        int slot = slotOf(name);
        return names[slot] == null ? -1 : positions[slot];
    }

    /** The slot holding {@code name}, or the empty slot where it would go. */
    private int slotOf(String name) {
        int mask = names.length - 1;
        int slot = slot(name);
        String held;
        while ((held = names[slot]) != null && held != name && !held.equals(name)) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Fibonacci hashing: the top bits of the hash times the golden ratio spread similar names apart. */
    private int slot(String name) {
        return (name.hashCode() * 0x9E3779B9) >>> shift;
    }
}
