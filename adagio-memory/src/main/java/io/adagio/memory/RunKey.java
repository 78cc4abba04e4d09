package io.adagio.memory;

/** Orders runs by creation time, then ID. */
record RunKey(long createdNs, String id) implements Comparable<RunKey> {
    static final String BEFORE_ANY_ID = "";
    static final String AFTER_ANY_ID = "\uffff";

    @Override
    public int compareTo(RunKey o) {
        int c = Long.compare(createdNs, o.createdNs);
        return c != 0 ? c : id.compareTo(o.id);
    }
}
