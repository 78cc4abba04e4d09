package io.adagio.core.model;

import java.util.Map;

/**
 * A node's inputs that nobody changes, neither the map nor its byte arrays, so that a {@link Node}
 * can hold them as they are instead of copying them. The protocol's own input maps are such: a
 * fan-in of n nodes gains an input per upstream success, and copying them into each snapshot of the
 * node (for every watcher's feed, every step) made it cost O(n²). {@link Node#inputs()} still hands
 * out copies of its arrays, as they are read.
 */
public interface SharedInputs extends Map<String, byte[]> {}
