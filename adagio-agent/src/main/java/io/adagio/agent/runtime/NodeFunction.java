package io.adagio.agent.runtime;

import io.adagio.core.model.Result;

/**
 * One attempt's work at one node.
 *
 * <p>Return the attempt's {@link Result}: {@code SUCCESS}, {@code FAIL} when the work itself
 * failed, or {@code ERROR} when it could not be done. Anything thrown is recorded as an
 * {@code ERROR} attempt whose output is the exception's message, and never harms the agent.
 *
 * <p>A function that blocks should stop promptly when its thread is interrupted or when the
 * context is {@linkplain ExecutionContext#onCancel cancelled} (the agent shutting down).
 */
@FunctionalInterface
public interface NodeFunction {
    Result run(ExecutionContext context) throws Exception;
}
