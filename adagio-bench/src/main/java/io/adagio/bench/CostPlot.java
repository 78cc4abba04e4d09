package io.adagio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-node cost against run size as an SVG plot: one line per backend, run size on a log scale
 * (10 ... 100,000 nodes), microseconds per node on a linear one starting at zero. A flat line is the
 * goal: nothing in a step should grow with the run.
 */
final class CostPlot {
    /** One point: a run size and its median cost. */
    record Point(int runSize, double microsPerNode) {}

    /** One line of the plot. */
    record Series(String name, String colour, List<Point> points) {}

    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private CostPlot() {}

    /** The series of a report: scaling (fan-out/fan-in) and the large runs (layered) of each backend. */
    static List<Series> of(Report report) {
        var series = new ArrayList<Series>();
        add(series, "memory", "#1f77b4", report.scalingMemory, report.largeMemory);
        add(series, "etcd", "#d62728", report.scalingEtcd, report.largeEtcd);
        return series;
    }

    private static void add(
            List<Series> series, String name, String colour, ScalingBench.Result scaling, LargeBench.Result large) {
        if (scaling != null) {
            series.add(new Series(
                    name + ", fan-out/fan-in",
                    colour,
                    scaling.points().stream()
                            .map(p -> new Point(p.runSize(), p.microsPerNode().median()))
                            .toList()));
        }
        if (large != null) {
            series.add(new Series(
                    name + ", layered",
                    colour,
                    List.of(
                            new Point(1_000, large.microsPerNode1k().median()),
                            new Point(100_000, large.microsPerNode100k().median()))));
        }
    }

    static void write(List<Series> series, Path file) throws IOException {
        double max = series.stream()
                .flatMap(s -> s.points().stream())
                .mapToDouble(Point::microsPerNode)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElse(1);
        double top = niceCeiling(max);
        var svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH,
                HEIGHT));
        svg.append(text(WIDTH / 2, 20, "middle", "per-node cost (µs of wall time) against run size"));
        for (int e = 1; e <= 5; e++) {
            double x = x((int) Math.pow(10, e));
            svg.append(line(x, TOP, x, HEIGHT - BOTTOM, "#ddd"));
            svg.append(
                    text(x, HEIGHT - BOTTOM + 16, "middle", String.format(Locale.ROOT, "%,d", (int) Math.pow(10, e))));
        }
        for (int i = 0; i <= 4; i++) {
            double v = top * i / 4;
            double y = y(v, top);
            svg.append(line(LEFT, y, WIDTH - RIGHT, y, "#ddd"));
            svg.append(text(LEFT - 6, y + 4, "end", Figure.format(v)));
        }
        svg.append(text(WIDTH / 2, HEIGHT - 12, "middle", "nodes per run (log scale)"));
        int legend = 0;
        for (var s : series) {
            var points = new StringBuilder();
            for (var p : s.points()) {
                if (!Double.isNaN(p.microsPerNode())) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(p.runSize()), y(p.microsPerNode(), top)));
                }
            }
            boolean dashed = s.name().endsWith("layered");
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    points.toString().trim(),
                    s.colour(),
                    dashed ? " stroke-dasharray=\"6,4\"" : ""));
            double ly = TOP + 14 + 16 * legend++;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    LEFT + 10,
                    ly - 4,
                    LEFT + 34,
                    ly - 4,
                    s.colour(),
                    dashed ? " stroke-dasharray=\"6,4\"" : ""));
            svg.append(text(LEFT + 40, ly, "start", s.name()));
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg);
    }

    private static double x(int runSize) {
        return LEFT + (Math.log10(runSize) - 1) / 4 * (WIDTH - LEFT - RIGHT);
    }

    private static double y(double value, double top) {
        return HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM);
    }

    private static double niceCeiling(double v) {
        double step = Math.pow(10, Math.floor(Math.log10(v)));
        return Math.ceil(v / step) * step;
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1,
                y1,
                x2,
                y2,
                colour);
    }

    private static String text(double x, double y, String anchor, String text) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n",
                x,
                y,
                anchor,
                text.replace("&", "&amp;").replace("<", "&lt;"));
    }
}
