package io.adagio.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Draws a soak as an SVG image, by hand (no plotting library): panels over a shared time axis, from
 * the top the sizes that must stay bounded (etcd's database, the daemon's heap), the runs stored, and
 * the throughput.
 */
final class SoakPlot {
    private static final int WIDTH = 860;
    private static final int PANEL = 230;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int GAP = 60;
    static final double MIB = 1024 * 1024;

    /** One line of a panel. */
    record Series(String label, String colour, ToDoubleFunction<SoakSample> value, boolean dots) {}

    /** One plot: its unit, what one unit is in the samples' terms, and its lines. */
    record Panel(String unit, double scale, List<Series> series) {}

    private SoakPlot() {}

    static String svg(String title, List<SoakSample> samples, List<Panel> panels) {
        double maxT = niceCeiling(Math.max(
                1, samples.stream().mapToDouble(SoakSample::seconds).max().orElse(1)));
        var b = new StringBuilder();
        int height = TOP + panels.size() * (PANEL + GAP) + 10;
        b.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH,
                height,
                WIDTH,
                height));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(text(WIDTH / 2.0, 24, escape(title), "middle", 15));
        for (int i = 0; i < panels.size(); i++) {
            var p = panels.get(i);
            panel(b, samples, p.series(), TOP + i * (PANEL + GAP), maxT, p.unit(), p.scale());
        }
        b.append(text(
                LEFT + (WIDTH - LEFT - RIGHT) / 2.0, height - 12, "time since the workload began (s)", "middle", 12));
        b.append("</svg>\n");
        return b.toString();
    }

    private static void panel(
            StringBuilder b,
            List<SoakSample> samples,
            List<Series> series,
            int top,
            double maxT,
            String unit,
            double scale) {
        double maxV = 0;
        for (var s : series) {
            for (var p : samples) {
                double v = s.value().applyAsDouble(p) / scale;
                if (!Double.isNaN(v)) {
                    maxV = Math.max(maxV, v);
                }
            }
        }
        maxV = niceCeiling(maxV);
        int plotW = WIDTH - LEFT - RIGHT;
        b.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT,
                top,
                plotW,
                PANEL));
        for (int i = 0; i <= 4; i++) {
            double v = maxV * i / 4;
            double y = top + PANEL - PANEL * i / 4.0;
            b.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    LEFT,
                    y,
                    LEFT + plotW,
                    y));
            b.append(text(LEFT - 6, y + 4, label(v), "end", 11));
            double t = maxT * i / 4;
            double x = LEFT + plotW * i / 4.0;
            b.append(text(x, top + PANEL + 16, label(t), "middle", 11));
        }
        b.append(text(
                16, top + PANEL / 2.0, unit, "middle", 12, " transform=\"rotate(-90 16 " + (top + PANEL / 2) + ")\""));
        int legendX = LEFT + 10;
        for (var s : series) {
            var points = new ArrayList<String>();
            var path = new StringBuilder();
            for (var p : samples) {
                double v = s.value().applyAsDouble(p) / scale;
                if (Double.isNaN(v)) {
                    flush(path, points, s.colour());
                    continue;
                }
                double x = LEFT + plotW * p.seconds() / maxT;
                double y = top + PANEL - (maxV == 0 ? 0 : PANEL * v / maxV);
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                if (s.dots()) {
                    b.append(String.format(
                            Locale.ROOT,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>%n",
                            x,
                            y,
                            s.colour()));
                }
            }
            flush(path, points, s.colour());
            b.append(path);
            b.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>%n",
                    legendX,
                    top + 10,
                    s.colour()));
            b.append(text(legendX + 18, top + 15, escape(s.label()), "start", 11));
            legendX += 24 + 7 * s.label().length();
        }
    }

    private static void flush(StringBuilder path, List<String> points, String colour) {
        if (points.size() > 1) {
            path.append(String.format(
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"%s\"/>%n",
                    colour, String.join(" ", points)));
        }
        points.clear();
    }

    private static String text(double x, double y, String s, String anchor, int size) {
        return text(x, y, s, anchor, size, "");
    }

    private static String text(double x, double y, String s, String anchor, int size, String extra) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>%s</text>%n",
                x,
                y,
                anchor,
                size,
                extra,
                s);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
