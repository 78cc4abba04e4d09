package io.adagio.agent;

import io.adagio.agent.runtime.ArgumentException;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a runtime for one attempt and always comes back with a result: a missing or malformed
 * argument, no function, no conclusion, an interrupt or anything the runtime throws becomes an
 * ERROR result saying what went wrong, and the worker carries on.
 */
final class RuntimeInvoker {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private RuntimeInvoker() {}

    /** The attempt's result; never throws. */
    static Result invoke(Runtime runtime, Execution execution) {
        try {
            var function = runtime.create(Arguments.parse(runtime, execution.node));
            if (function == null) {
                return Result.error("runtime \"" + runtime.name() + "\" created no function");
            }
            var result = function.run(execution.context);
            if (result == null || result.conclusion() == Conclusion.NONE) {
                return Result.error("runtime \"" + runtime.name() + "\" returned no conclusion");
            }
            return result;
        } catch (ArgumentException e) {
            return error(e.getMessage(), Map.of(AgentPool.ARGUMENT_KEY, List.of(e.argument())));
        } catch (InterruptedException e) {
            return Result.error(execution.cancellation.reason().orElse("interrupted"));
        } catch (Throwable t) {
            // Whatever a runtime does, the worker survives and the attempt is recorded.
            log.warn("runtime \"{}\" threw on {}: {}", runtime.name(), execution.describe(), t.toString());
            log.debug("stack trace", t);
            var message = t.getMessage() == null || t.getMessage().isBlank()
                    ? t.getClass().getName()
                    : t.getMessage();
            return error(
                    message,
                    Map.of(AgentPool.EXCEPTION_KEY, List.of(t.getClass().getName())));
        }
    }

    private static Result error(String output, Map<String, List<String>> metadata) {
        return new Result(Conclusion.ERROR, metadata, output.getBytes(StandardCharsets.UTF_8));
    }
}
