package io.adagio.daemon;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The repositories adagiod can hold its state in (docs/ARCHITECTURE.md, "The daemon"). */
public enum BackendType {
    MEMORY,
    ETCD;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BackendType> fromKey(String key) {
        return Arrays.stream(values()).filter(t -> t.key().equals(key)).findFirst();
    }
}
