package io.adagio.core.graph;

import io.adagio.core.model.DurationText;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryRule;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The rules on a node's times: its {@code timeout} and its retry rules' {@code backoff}. Each
 * problem is one message naming the node, the field and the value.
 */
final class TimingRules {
    /** The longest timeout or backoff a spec may give: a year, far beyond any real wait. */
    static final Duration MAX = Duration.ofDays(365);

    private TimingRules() {}

    static void check(NodeSpec node, String label, List<String> problems) {
        if (node.timeout() != null) {
            positive(node.timeout(), label + " timeout", problems);
        }
        for (Map.Entry<String, RetryRule> rule : node.retry().entrySet()) {
            var backoff = rule.getValue() == null ? null : rule.getValue().backoff();
            if (backoff != null) {
                checkBackoff(backoff, label + " retry \"" + rule.getKey() + "\" backoff", problems);
            }
        }
    }

    private static void checkBackoff(RetryRule.Backoff b, String field, List<String> problems) {
        boolean initialOk = b.initial() != null && positive(b.initial(), field + " initial", problems);
        if (b.initial() == null) {
            problems.add(field + " has no initial wait: initial must be given and greater than 0");
        }
        if (b.maximum() != null
                && positive(b.maximum(), field + " maximum", problems)
                && initialOk
                && b.maximum().compareTo(b.initial()) < 0) {
            problems.add(field + " maximum " + DurationText.format(b.maximum()) + " is shorter than its initial "
                    + DurationText.format(b.initial()) + ": maximum must be at least initial");
        }
        double m = b.multiplier();
        if (Double.isNaN(m) || Double.isInfinite(m) || (m != 0 && m < 1)) {
            problems.add(field + " multiplier " + m + " is invalid: it must be at least 1 (0 or absent means "
                    + (int) RetryRule.Backoff.DEFAULT_MULTIPLIER + ")");
        }
    }

    /** Whether {@code d} is greater than 0 and at most {@link #MAX}; adds the problem if not. */
    private static boolean positive(Duration d, String field, List<String> problems) {
        if (d.isNegative() || d.isZero()) {
            problems.add(field + " is " + DurationText.format(d) + ": it must be greater than 0");
            return false;
        }
        if (d.compareTo(MAX) > 0) {
            problems.add(field + " is " + DurationText.format(d) + ": it must be at most " + DurationText.format(MAX)
                    + " (365 days)");
            return false;
        }
        return true;
    }
}
