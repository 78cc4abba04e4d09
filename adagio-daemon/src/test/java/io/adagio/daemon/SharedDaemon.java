package io.adagio.daemon;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One adagiod (API and agents, memory backend) shared by every test class that asks for it, started
 * on first use and stopped when all tests are done: the tests using it only add runs and read them.
 */
final class SharedDaemon implements ParameterResolver {

    /** The shared process and its API. */
    record Running(AdagiodProcess process, ApiClient api) implements AutoCloseable {
        @Override
        public void close() {
            process.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Running.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(
                        SharedDaemon.class,
                        key -> {
                            var process = AdagiodProcess.start("-listen", "127.0.0.1:0", "-agent-count", "8");
                            return new Running(process, new ApiClient(process.awaitApi(Duration.ofSeconds(60))));
                        },
                        Running.class);
    }
}
