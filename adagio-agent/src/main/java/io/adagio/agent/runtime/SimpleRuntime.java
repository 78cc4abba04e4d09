package io.adagio.agent.runtime;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** The runtime behind {@link Runtime#of}. */
record SimpleRuntime(String name, List<Argument<?>> arguments, Function<Arguments, NodeFunction> factory)
        implements Runtime {

    SimpleRuntime {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(factory, "factory");
        arguments = List.copyOf(arguments);
    }

    @Override
    public NodeFunction create(Arguments args) {
        return factory.apply(args);
    }
}
