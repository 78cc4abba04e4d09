package io.adagio.core.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A node's inputs as {@link Node#inputs()} hands them out: a read-only view of a map nobody changes
 * whose byte arrays are copied as they are read, so that a caller may change what it was given
 * without changing the node. Copying the whole map instead made each execution of a fan-in of n
 * nodes copy n outputs for every look at its inputs, most of which read only the names.
 */
final class CopiedOnRead extends AbstractMap<String, byte[]> {
    private final Map<String, byte[]> inputs;

    /** @param inputs a map neither changed nor handed out with its arrays */
    CopiedOnRead(Map<String, byte[]> inputs) {
        this.inputs = inputs;
    }

    @Override
    public int size() {
        return inputs.size();
    }

    @Override
    public boolean containsKey(Object key) {
        return inputs.containsKey(key);
    }

    @Override
    public byte[] get(Object key) {
        var value = inputs.get(key);
        return value == null ? null : value.clone();
    }

    @Override
    public Set<String> keySet() {
        return Collections.unmodifiableSet(inputs.keySet());
    }

    @Override
    public Set<Entry<String, byte[]>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return inputs.size();
            }

            @Override
            public Iterator<Entry<String, byte[]>> iterator() {
                var entries = inputs.entrySet().iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return entries.hasNext();
                    }

                    @Override
                    public Entry<String, byte[]> next() {
                        var e = entries.next();
                        return new SimpleImmutableEntry<>(
                                e.getKey(), e.getValue().clone());
                    }
                };
            }
        };
    }
}
