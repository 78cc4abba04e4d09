package io.adagio.client.workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Immutable, order-keeping argument maps for the runtime calls. */
final class Arguments {
    private Arguments() {}

    static Map<String, List<String>> copyOf(Map<String, List<String>> arguments) {
        var copy = new LinkedHashMap<String, List<String>>();
        if (arguments != null) {
            arguments.forEach((name, values) -> copy.put(checkName(name), List.copyOf(values)));
        }
        return Collections.unmodifiableMap(copy);
    }

    static Map<String, List<String>> with(Map<String, List<String>> arguments, String name, List<String> values) {
        var copy = new LinkedHashMap<>(arguments);
        copy.put(checkName(name), List.copyOf(values));
        return Collections.unmodifiableMap(copy);
    }

    static Map<String, List<String>> without(Map<String, List<String>> arguments, String name) {
        var copy = new LinkedHashMap<>(arguments);
        copy.remove(name);
        return Collections.unmodifiableMap(copy);
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an argument needs a name");
        }
        return name;
    }
}
