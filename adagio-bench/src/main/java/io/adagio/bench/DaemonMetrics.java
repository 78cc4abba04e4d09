package io.adagio.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One scrape of a daemon's Prometheus endpoint ({@code /metrics}), read by metric name. */
record DaemonMetrics(String text) {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static DaemonMetrics scrape(String baseUrl) throws IOException, InterruptedException {
        var response = HTTP.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/metrics"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + response.statusCode());
        }
        return new DaemonMetrics(response.body());
    }

    /** The sum of every series of the metric whose labels contain {@code labelPart} (empty: all); NaN when absent. */
    double sum(String name, String labelPart) {
        double sum = 0;
        boolean found = false;
        for (var line : text.lines().toList()) {
            if (line.startsWith("#")) {
                continue;
            }
            boolean plain = line.startsWith(name + " ");
            boolean labelled = line.startsWith(name + "{");
            if (!plain && !labelled) {
                continue;
            }
            if (!labelPart.isEmpty()
                    && !(labelled && line.substring(0, line.indexOf('}') + 1).contains(labelPart))) {
                continue;
            }
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            found = true;
        }
        return found ? sum : Double.NaN;
    }

    /** Heap in use now (all heap pools). */
    double heapUsedBytes() {
        return sum("jvm_memory_used_bytes", "area=\"heap\"");
    }

    double deletedRuns() {
        double v = sum("adagio_retention_deleted_runs_total", "");
        return Double.isNaN(v) ? 0 : v;
    }
}
