package io.adagio.daemon.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops the log lines a library writes for a client's mistake that the API has already answered:
 * Armeria 1.33 logs a WARN for every request with an {@code Expect} header other than
 * {@code 100-continue} (its HTTP/1 decoder fires an event its own handler does not expect) although
 * the client got its 417. A stranger must not be able to fill the log by sending bad headers.
 */
public final class ClientNoiseFilter extends Filter<ILoggingEvent> {
    private static final String ARMERIA_HANDLER = "com.linecorp.armeria.server.HttpServerHandler";
    private static final String EXPECTATION_FAILED = "HttpExpectationFailedEvent";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (ARMERIA_HANDLER.equals(event.getLoggerName())
                && event.getFormattedMessage() != null
                && event.getFormattedMessage().contains(EXPECTATION_FAILED)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
