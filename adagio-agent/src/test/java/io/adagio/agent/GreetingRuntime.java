package io.adagio.agent;

import io.adagio.agent.runtime.Argument;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.NodeFunction;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Result;
import java.util.List;

/**
 * A custom runtime as a user would write one, found through
 * {@code META-INF/services/io.adagio.agent.runtime.Runtime} in the test resources.
 */
public final class GreetingRuntime implements Runtime {
    static final Argument<String> WHO = Argument.string("who").required();
    static final Argument<Long> TIMES = Argument.int64("times").withDefault(1L);

    @Override
    public String name() {
        return "greeting";
    }

    @Override
    public List<Argument<?>> arguments() {
        return List.of(WHO, TIMES);
    }

    @Override
    public NodeFunction create(Arguments args) {
        if (args.get(TIMES) < 1) {
            throw args.invalid(TIMES, "must be at least 1");
        }
        var text = ("hello " + args.get(WHO) + "\n").repeat(args.get(TIMES).intValue());
        return context -> Result.success(text);
    }
}
