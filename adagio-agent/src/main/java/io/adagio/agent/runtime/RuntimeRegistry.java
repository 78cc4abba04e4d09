package io.adagio.agent.runtime;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** An immutable set of runtimes by name. */
public final class RuntimeRegistry {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private final Map<String, Runtime> byName;

    private RuntimeRegistry(Map<String, Runtime> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /**
     * Exactly these runtimes.
     *
     * @throws IllegalArgumentException when two share a name or a name is not 1 or more of
     *                                  {@code [A-Za-z0-9_-]} (names become metadata key segments)
     */
    public static RuntimeRegistry of(Collection<? extends Runtime> runtimes) {
        var map = new LinkedHashMap<String, Runtime>();
        for (var r : runtimes) {
            var name = checkName(r);
            var before = map.put(name, r);
            if (before != null) {
                throw new IllegalArgumentException("two runtimes are named \"" + name + "\": "
                        + before.getClass().getName() + " and " + r.getClass().getName());
            }
        }
        return new RuntimeRegistry(map);
    }

    public static RuntimeRegistry of(Runtime... runtimes) {
        return of(List.of(runtimes));
    }

    /** Every runtime listed in {@code META-INF/services/io.adagio.agent.runtime.Runtime} on the thread's class path. */
    public static RuntimeRegistry discover() {
        var loader = Thread.currentThread().getContextClassLoader();
        return discover(loader != null ? loader : RuntimeRegistry.class.getClassLoader());
    }

    public static RuntimeRegistry discover(ClassLoader loader) {
        return of(ServiceLoader.load(Runtime.class, loader).stream()
                .map(ServiceLoader.Provider::get)
                .toList());
    }

    /**
     * Only the runtimes named, in this registry's order: how an agent offers a chosen few of the
     * installed runtimes ({@code adagiod -runtimes debug,exec}). A node whose runtime is left out
     * is never executed by an agent using the result; it waits for an agent that offers it.
     *
     * <pre>{@code
     * AgentPool.builder().runtimes(RuntimeRegistry.discover().only(List.of("debug")))
     * }</pre>
     *
     * @throws IllegalArgumentException when no name is given, or a name is not in this registry
     *                                  (the message lists the ones that are)
     */
    public RuntimeRegistry only(Collection<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no runtime chosen: name at least one of " + describeNames());
        }
        var unknown =
                names.stream().filter(n -> !byName.containsKey(n)).distinct().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException((unknown.size() == 1 ? "unknown runtime " : "unknown runtimes ")
                    + unknown.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "))
                    + "; installed: " + describeNames());
        }
        var map = new LinkedHashMap<String, Runtime>();
        byName.forEach((name, runtime) -> {
            if (names.contains(name)) {
                map.put(name, runtime);
            }
        });
        return new RuntimeRegistry(map);
    }

    /** {@link #only(Collection)} with the names as arguments. */
    public RuntimeRegistry only(String... names) {
        return only(List.of(names));
    }

    /** This registry with {@code runtime} added, replacing any runtime of the same name. */
    public RuntimeRegistry with(Runtime runtime) {
        var map = new LinkedHashMap<>(byName);
        map.put(checkName(runtime), runtime);
        return new RuntimeRegistry(map);
    }

    public Optional<Runtime> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The names, sorted. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(byName.keySet()));
    }

    public Collection<Runtime> runtimes() {
        return byName.values();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    private String describeNames() {
        return byName.isEmpty() ? "(none)" : String.join(", ", names());
    }

    private static String checkName(Runtime r) {
        var name = r.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("runtime " + r.getClass().getName() + " has an invalid name \"" + name
                    + "\": use 1 or more of [A-Za-z0-9_-]");
        }
        return name;
    }

    @Override
    public String toString() {
        return names().toString();
    }
}
