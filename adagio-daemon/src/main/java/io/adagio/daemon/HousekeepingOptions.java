package io.adagio.daemon;

import io.adagio.daemon.SettingsLoader.Source;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the options that keep the state bounded: the retention policy ({@code -retention-max-age},
 * {@code -retention-max-runs}, {@code -retention-interval}), etcd's compaction and its quota. A
 * mistake is a {@link ConfigException} naming the option and where it was set.
 */
final class HousekeepingOptions {
    /** A duration in days, optionally followed by a shorter one: 7d, 1d12h. */
    private static final Pattern DAYS = Pattern.compile("(\\d+)d(.*)");

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|tib|kb|mb|gb|tb)?");

    private HousekeepingOptions() {}

    static Settings.Housekeeping housekeeping(Map<Option, Source> values) {
        var interval = SettingsLoader.duration(values.get(Option.RETENTION_INTERVAL), Option.RETENTION_INTERVAL);
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw SettingsLoader.invalid(
                    values.get(Option.RETENTION_INTERVAL), Option.RETENTION_INTERVAL, "expected at least 100ms");
        }
        var compaction =
                SettingsLoader.duration(values.get(Option.ETCD_COMPACTION_INTERVAL), Option.ETCD_COMPACTION_INTERVAL);
        if (!compaction.isZero() && compaction.compareTo(Duration.ofSeconds(1)) < 0) {
            throw SettingsLoader.invalid(
                    values.get(Option.ETCD_COMPACTION_INTERVAL),
                    Option.ETCD_COMPACTION_INTERVAL,
                    "expected 0 (etcd compacts itself) or at least 1s");
        }
        return new Settings.Housekeeping(
                days(values.get(Option.RETENTION_MAX_AGE), Option.RETENTION_MAX_AGE),
                count(values.get(Option.RETENTION_MAX_RUNS), Option.RETENTION_MAX_RUNS),
                interval,
                compaction,
                size(values.get(Option.ETCD_QUOTA_BYTES), Option.ETCD_QUOTA_BYTES));
    }

    /** A duration that may start with days ({@code 30d}, {@code 1d12h}), as ages are written. */
    private static Duration days(Source source, Option option) {
        var m = DAYS.matcher(source.value().trim());
        if (!m.matches()) {
            return SettingsLoader.duration(source, option);
        }
        var days = Duration.ofDays(Long.parseLong(m.group(1)));
        if (m.group(2).isEmpty()) {
            return days;
        }
        return days.plus(SettingsLoader.duration(new Source(m.group(2), source.origin()), option));
    }

    private static long count(Source source, Option option) {
        try {
            long n = Long.parseLong(source.value().trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw SettingsLoader.invalid(source, option, "expected a whole number, 0 for no limit");
    }

    private static long size(Source source, Option option) {
        var m = SIZE.matcher(source.value().trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                long unit = switch (m.group(2) == null ? "b" : m.group(2)) {
                    case "kib" -> 1L << 10;
                    case "mib" -> 1L << 20;
                    case "gib" -> 1L << 30;
                    case "tib" -> 1L << 40;
                    case "kb" -> 1_000L;
                    case "mb" -> 1_000_000L;
                    case "gb" -> 1_000_000_000L;
                    case "tb" -> 1_000_000_000_000L;
                    default -> 1L;
                };
                long bytes = Math.multiplyExact(n, unit);
                if (bytes > 0) {
                    return bytes;
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // reported below
            }
        }
        throw SettingsLoader.invalid(source, option, "expected a size in bytes, or with a unit: 8GiB, 512MiB");
    }
}
