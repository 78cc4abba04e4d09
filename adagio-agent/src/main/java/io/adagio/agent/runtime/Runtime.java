package io.adagio.agent.runtime;

import java.util.List;
import java.util.function.Function;

/**
 * A kind of work an agent can perform: nodes name their runtime, and an agent pool executes the
 * nodes whose runtime it has.
 *
 * <p>A runtime declares its {@link #arguments() arguments}; the agent reads their values from the
 * node's metadata (or an upstream node's output) before calling {@link #create(Arguments)}, so a
 * runtime never parses metadata itself. A missing or malformed argument becomes an {@code ERROR}
 * attempt naming the argument, without calling the runtime.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.adagio.agent.runtime.Runtime}; it needs a public no-argument
 * constructor) or registered in code with {@code AgentPool.builder().runtime(...)}. A runtime is
 * shared by every worker of a pool, so it must be thread-safe; the functions it creates are used
 * once.
 */
public interface Runtime {

    /** The name nodes use in their {@code runtime} field, e.g. {@code "exec"}. */
    String name();

    /** The arguments this runtime reads; none by default. */
    default List<Argument<?>> arguments() {
        return List.of();
    }

    /**
     * The work for one attempt at one node, configured by its arguments. May throw
     * {@link ArgumentException} (see {@link Arguments#invalid}) when values are individually well
     * formed but unusable.
     */
    NodeFunction create(Arguments arguments);

    /** A runtime made of a name, its arguments and a factory; handy for registering in code. */
    static Runtime of(String name, List<Argument<?>> arguments, Function<Arguments, NodeFunction> factory) {
        return new SimpleRuntime(name, arguments, factory);
    }

    /** A runtime without arguments that runs {@code function} for every node. */
    static Runtime of(String name, NodeFunction function) {
        return new SimpleRuntime(name, List.of(), args -> function);
    }
}
