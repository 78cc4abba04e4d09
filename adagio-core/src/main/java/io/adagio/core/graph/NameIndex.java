package io.adagio.core.graph;

/**
 * A graph's node names to their positions: an open-addressing table of the names themselves,
 * probed linearly, with the positions in a parallel array. Immutable once built.
 *
 * <p>Why not a {@code HashMap<String, Integer>}: every protocol step looks nodes up by name, and in
 * a 100,000-node run a map's lookup reached three places in memory (the table, the entry, the boxed
 * position), most of them cold: a fifth of an agent's samples. Here a lookup reads the table's slot
 * and the position beside it; the name is compared by reference first, since callers nearly always
 * pass back the graph's own strings.
 */
final class NameIndex {
    private final String[] names;
    private final int[] positions;
    private final int shift;

    /** Indexes {@code names} (no duplicates, no nulls) by their position in the array. */
    NameIndex(String[] names) {
        // At most half full: short probes.
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, names.length) * 2 - 1));
        int capacity = 1 << bits;
        this.names = new String[capacity];
        this.positions = new int[capacity];
        this.shift = 32 - bits;
        int mask = capacity - 1;
        for (int p = 0; p < names.length; p++) {
            int slot = slot(names[p]);
            while (this.names[slot] != null) {
                slot = (slot + 1) & mask;
            }
            this.names[slot] = names[p];
            this.positions[slot] = p;
        }
    }

    /** The name's position, or -1. */
    int position(String name) {
        if (name == null) {
            return -1;
        }
        int mask = names.length - 1;
        int slot = slot(name);
        String held;
        while ((held = names[slot]) != null) {
            if (held == name || held.equals(name)) {
                return positions[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** Fibonacci hashing: the top bits of the hash times the golden ratio spread similar names apart. */
    private int slot(String name) {
        return (name.hashCode() * 0x9E3779B9) >>> shift;
    }
}
