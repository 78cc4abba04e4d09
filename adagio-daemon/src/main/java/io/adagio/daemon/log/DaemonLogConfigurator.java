package io.adagio.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import org.slf4j.Logger;

/**
 * adagiod's logging, set up in code rather than from an XML file: one concise line per event on
 * stderr (stdout is left to -help), libraries heard only when something is wrong (-log-level then
 * sets io.adagio, and the root when quieter than info). Reading logback.xml loaded an XML parser
 * and logback's configuration language, ~600 classes the daemon kept for nothing (its idle
 * footprint, docs/PERFORMANCE.md).
 *
 * <p>A {@code -Dlogback.configurationFile}, or a logback.xml or logback-test.xml of a program or test
 * that puts adagiod on its class path, still wins: then this configurator steps aside (logback asks
 * the configurators found on the class path before its own file lookup).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class DaemonLogConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n";
    private static final List<String> LIBRARIES =
            List.of("com.linecorp.armeria", "io.netty", "io.grpc", "io.etcd", "io.micrometer");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (aFileIsGiven()) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        // java.util.logging records (grpc-java) are bridged to logback; this keeps the bridge cheap.
        var propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.setResetJUL(true);
        propagator.start();
        context.addListener(propagator);

        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        // Library lines about clients' mistakes the API already answered.
        var noise = new ClientNoiseFilter();
        noise.setContext(context);
        noise.start();
        var stderr = new ConsoleAppender<ILoggingEvent>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.addFilter(noise);
        stderr.start();

        var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        for (var library : LIBRARIES) {
            context.getLogger(library).setLevel(Level.WARN);
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static boolean aFileIsGiven() {
        var loader = DaemonLogConfigurator.class.getClassLoader();
        return System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null;
    }
}
