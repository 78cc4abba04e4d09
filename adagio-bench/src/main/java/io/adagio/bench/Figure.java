package io.adagio.bench;

import java.util.Arrays;
import java.util.List;

/**
 * One measured quantity over repeated trials: the median is the figure reported, the minimum and
 * maximum its spread.
 */
record Figure(double median, double min, double max, int trials) {

    static Figure of(List<Double> values) {
        if (values.isEmpty()) {
            return new Figure(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Figure(median(v), v[0], v[v.length - 1], v.length);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double median(List<Double> values) {
        return of(values).median();
    }

    /** The spread as a percentage of the median: (max - min) / median. */
    double spreadPercent() {
        return median == 0 ? 0 : (max - min) / median * 100;
    }

    /** {@code 1234 (1200-1300)}, with the precision that suits the magnitude. */
    String describe() {
        if (trials == 0) {
            return "-";
        }
        if (trials == 1) {
            return format(median);
        }
        return format(median) + " [" + format(min) + ".." + format(max) + "]";
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format("%,.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }

    @Override
    public String toString() {
        return describe() + " " + Arrays.toString(new double[] {median, min, max});
    }
}
