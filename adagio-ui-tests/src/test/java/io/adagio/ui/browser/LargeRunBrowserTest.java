package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A run of 10,001 nodes on its page: too big to draw node by node, so the graph is collapsed into
 * its layers, each with its nodes' states, and the nodes table lists a page at a time; choosing a
 * layer lists its nodes. The page follows the run live to its end. How long the page took is
 * written to {@code target/large-run-figures.txt} (a figure for docs/PERFORMANCE.md, not asserted).
 */
class LargeRunBrowserTest extends BrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int LAYERS = 20;
    private static final int WIDTH = 500;

    /**
     * "root" (an exec node that waits for {@code gate}), then {@code LAYERS} layers of {@code WIDTH}
     * debug nodes, each fed by two nodes of the layer above.
     */
    private static String layeredSpec(Path gate) {
        var nodes = new StringBuilder("{\"name\": \"root\", \"runtime\": \"exec\", \"metadata\": {"
                + "\"adagio.arguments.exec.command\": {\"values\": [\"sh\"]},"
                + " \"adagio.arguments.exec.args\": {\"values\": [\"-c\", \"while [ ! -e '" + gate
                + "' ]; do sleep 0.05; done\"]}}}");
        var edges = new StringBuilder();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int i = 0; i < WIDTH; i++) {
                nodes.append(",{\"name\": \"l")
                        .append(layer)
                        .append('-')
                        .append(i)
                        .append("\", \"runtime\": \"debug\"}");
                if (layer == 0) {
                    edge(edges, "root", "l0-" + i);
                } else {
                    edge(edges, "l" + (layer - 1) + "-" + i, "l" + layer + "-" + i);
                    edge(edges, "l" + (layer - 1) + "-" + ((i + 1) % WIDTH), "l" + layer + "-" + i);
                }
            }
        }
        return "{\"nodes\": [" + nodes + "], \"edges\": [" + edges + "]}";
    }

    private static void edge(StringBuilder edges, String source, String destination) {
        if (!edges.isEmpty()) {
            edges.append(',');
        }
        edges.append("{\"source\": \"")
                .append(source)
                .append("\", \"destination\": \"")
                .append(destination)
                .append("\"}");
    }

    @Test
    @DisplayName("a 10,001-node run: its layers instead of a drawing, a paged nodes table, live to its end")
    void aBigRunIsCollapsedIntoLayersAndListedAPageAtATime() throws IOException {
        Path gate = Files.createTempDirectory("adagio-ui-large-").resolve("open");
        String id = adagiod.startRun(layeredSpec(gate));
        int total = 1 + LAYERS * WIDTH;

        long opened = System.nanoTime();
        open("/runs/" + id);
        wait(d -> rows(".layer-list .layer-row").size() == LAYERS + 1 && tableRows() == 500);
        long shown = System.nanoTime();

        // One row per layer, with its node count; the table says how much of the run it lists.
        var layers = rows(".layer-list .layer-row");
        assertThat(layers.getFirst().getText()).contains("Layer 1").contains("1 node");
        assertThat(layers.get(1).getText()).contains("Layer 2").contains("500 nodes");
        assertThat(text(".layers-note")).contains("10,001 nodes in 21 layers");
        assertThat(text(".table-count")).contains("Showing 500 of 10,001 nodes");
        assertThat(browser.driver.findElements(By.cssSelector("svg.dag"))).isEmpty();

        // More rows on request.
        click("#show-more-nodes");
        wait(d -> tableRows() == 1000);

        // A layer's nodes only, on choosing its row; the node panel opens from the filtered table.
        long chosen = System.nanoTime();
        click(".layer-row[data-band='5']");
        // Checked in the page in one call: a WebDriver round trip per row would be most of the time.
        wait(d -> Boolean.TRUE.equals(js(
                "const rows = [...document.querySelectorAll('table.nodes-table tbody tr')];"
                        + " return rows.length === arguments[0] && rows.every(r => r.dataset.node.startsWith('l4-'));",
                WIDTH)));
        long filtered = System.nanoTime();
        assertThat(browser.driver
                        .findElement(By.cssSelector(".layer-row[data-band='5']"))
                        .getDomAttribute("aria-pressed"))
                .isEqualTo("true");
        assertThat(text(".table-count")).contains("Showing 500 of 500 nodes in layer 6");
        clickCentred(browser.driver.findElement(By.cssSelector("tr[data-node='l4-7'] button")));
        wait(ExpectedConditions.attributeToBe(By.id("node-panel"), "data-node", "l4-7"));
        click("#show-all-layers");
        wait(d -> tableRows() == 500 && text(".table-count").contains("of 10,001"));

        // Live to the end: every layer's bar turns to succeeded, the run concludes.
        long released = System.nanoTime();
        Files.createFile(gate);
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".run-conclusion[data-conclusion='SUCCESS']")));
        wait(d -> rows(".layer-segment.layer-succeeded").size() == LAYERS + 1);
        long concluded = System.nanoTime();
        js("window.scrollTo(0, 0)");
        screenshot("large-run");
        assertThat(rows(".layer-segment"))
                .allSatisfy(s -> assertThat(s.getDomAttribute("data-state")).isEqualTo("succeeded"));
        assertThat(adagiod.run(id).path("conclusion").asText()).isEqualTo("SUCCESS");

        var figures = List.of(
                "nodes %d".formatted(total),
                "page shown (layers and the first 500 rows) %.2f s".formatted(seconds(opened, shown)),
                "a layer's 500 nodes listed after choosing it %.2f s".formatted(seconds(chosen, filtered)),
                "gate opened to SUCCESS shown %.2f s".formatted(seconds(released, concluded)));
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "large-run-figures.txt"), figures, StandardCharsets.UTF_8);
        System.out.println("large run page: " + String.join("; ", figures));
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    private List<WebElement> rows(String css) {
        return browser.driver.findElements(By.cssSelector(css));
    }

    private long tableRows() {
        return (Long) js("return document.querySelectorAll('table.nodes-table tbody tr').length");
    }

    /** Unlike the other classes' text, read at once, not waited for: it is also read inside wait conditions. */
    @Override
    String text(String css) {
        return browser.driver.findElement(By.cssSelector(css)).getText();
    }

    private void click(String css) {
        wait(ExpectedConditions.elementToBeClickable(By.cssSelector(css)));
        clickCentred(browser.driver.findElement(By.cssSelector(css)));
    }

    /** Clicks an element scrolled to the middle of the window, clear of the page's sticky header. */
    private void clickCentred(WebElement element) {
        js("arguments[0].scrollIntoView({block: 'center'})", element);
        element.click();
    }

    /** Longer than the default 30 s (10,001 nodes take their time), and a screenshot of a wait that failed. */
    @Override
    <T> T wait(Function<? super WebDriver, T> condition) {
        try {
            return browser.waiting(WAIT).until(condition);
        } catch (RuntimeException e) {
            screenshot("large-run-" + System.nanoTime() % 10_000);
            throw e;
        }
    }
}
