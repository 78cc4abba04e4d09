package io.adagio.daemon;

/** A startup configuration mistake (unknown option, key or value): one message, exit code 2. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
