package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The pages that follow runs live do so from the run's watch stream (Server-Sent Events read with
 * fetch), not by polling Inspect: checked in the browser's own network log, on a plain adagiod and
 * on one that wants a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "live-test-token-0123456789abcdef";

    private Browser browser;
    private Adagiod plain;
    private Adagiod tokens;

    @BeforeAll
    void start() throws IOException {
        browser = Browser.start(true);
        plain = Adagiod.start();
        Path tokenFile = Files.createTempFile("adagio-ui-tokens", ".txt");
        Files.writeString(tokenFile, "alice:" + TOKEN + "\n");
        tokenFile.toFile().deleteOnExit();
        tokens = Adagiod.start(TOKEN, "-auth-token-file", tokenFile.toString());
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {browser, plain, tokens}) {
            if (part != null) {
                part.close();
            }
        }
    }

    /** Three debug nodes in a chain, each taking {@code sleep}. */
    private static String chain(String sleep) {
        var node = "{\"name\": \"%s\", \"runtime\": \"debug\", "
                + "\"metadata\": {\"adagio.arguments.debug.sleep\": {\"values\": [\"" + sleep + "\"]}}}";
        return "{\"nodes\": [" + node.formatted("first") + ", " + node.formatted("second") + ", "
                + node.formatted("third") + "], \"edges\": [{\"source\": \"first\", \"destination\": \"second\"},"
                + " {\"source\": \"second\", \"destination\": \"third\"}]}";
    }

    /**
     * The same chain, but "first" runs until {@code gate} exists: the run moves on only once the page
     * shows it, however long the browser takes to load on a busy machine.
     */
    private static String gatedChain(Path gate, String sleep) {
        var first = "{\"name\": \"first\", \"runtime\": \"exec\", \"metadata\": {"
                + "\"adagio.arguments.exec.command\": {\"values\": [\"sh\"]},"
                + " \"adagio.arguments.exec.args\": {\"values\": [\"-c\", \"while [ ! -e '" + gate
                + "' ]; do sleep 0.05; done\"]}}}";
        var node = "{\"name\": \"%s\", \"runtime\": \"debug\", "
                + "\"metadata\": {\"adagio.arguments.debug.sleep\": {\"values\": [\"" + sleep + "\"]}}}";
        return "{\"nodes\": [" + first + ", " + node.formatted("second") + ", " + node.formatted("third")
                + "], \"edges\": [{\"source\": \"first\", \"destination\": \"second\"},"
                + " {\"source\": \"second\", \"destination\": \"third\"}]}";
    }

    private static Path newGate() {
        try {
            return Files.createTempDirectory("adagio-ui-gate-").resolve("open");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void open(Path gate) {
        try {
            Files.createFile(gate);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("the run page follows a run from its watch stream: the DAG recolours, no /v0/runs/{id} is polled")
    void theRunPageUpdatesFromTheStreamWithoutPolling() {
        var gate = newGate();
        String id = plain.startRun(gatedChain(gate, "1500ms"));
        browser.requests(); // forget what came before
        browser.driver.get(plain.url("/runs/" + id));
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg.dag g.dag-node[data-node='third']")));
        js("window.__adagioNoReload = true");
        open(gate);

        // "third" is seen waiting, then running, then done: recoloured in place.
        var seen = new ArrayList<String>();
        wait(d -> {
            var state = nodeStates().get("third");
            if (seen.isEmpty() || !seen.getLast().equals(state)) {
                seen.add(state);
            }
            return "succeeded".equals(state);
        });
        assertThat(seen).contains("running", "succeeded");
        assertThat(seen.getFirst()).isIn("waiting", "ready", "running");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".run-status[data-status='COMPLETED']")));
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".live-done")));
        assertThat((Boolean) js("return window.__adagioNoReload === true")).isTrue();
        assertThat(text(".run-state")).contains("Succeeded");

        var paths = paths(browser.requests());
        assertThat(paths).as("the page's requests").contains("/v0/runs/" + id + "/watch");
        assertThat(paths).as("no Inspect polling").doesNotContain("/v0/runs/" + id);
        assertThat(paths.stream().filter(p -> p.equals("/v0/runs/" + id + "/watch")))
                .as("one stream for the whole run")
                .hasSize(1);
    }

    @Test
    @DisplayName("the runs list follows its running runs from their watch streams")
    void theRunsListUpdatesRunningRowsFromTheirStreams() {
        var gate = newGate();
        String id = plain.startRun(gatedChain(gate, "1s"));
        browser.requests();
        browser.driver.get(plain.url("/runs"));
        var row = By.cssSelector("table.runs-table tr[data-run-id='" + id + "']");
        wait(ExpectedConditions.presenceOfElementLocated(row));
        js("window.__adagioNoReload = true");
        open(gate);
        wait(d -> d.findElement(row).getText().contains("Succeeded"));
        assertThat((Boolean) js("return window.__adagioNoReload === true")).isTrue();

        var paths = paths(browser.requests());
        assertThat(paths).contains("/v0/runs/" + id + "/watch").doesNotContain("/v0/runs/" + id);
    }

    @Test
    @DisplayName("with a token, the stream is opened with it (fetch with Authorization, not EventSource)")
    void theStreamCarriesTheToken() {
        String id = tokens.startRun(chain("500ms"));
        // Sign in as a user would: the page asks, the token is kept for the tab.
        browser.driver.get(tokens.url("/runs/" + id));
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#token-dialog[open] #token-input")))
                .sendKeys(TOKEN);
        browser.driver.findElement(By.cssSelector("#token-submit")).click();
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".live-done")));
        assertThat(nodeStates()).containsEntry("third", "succeeded");

        var watches = browser.requests().stream()
                .filter(r -> URI.create(r.url()).getPath().equals("/v0/runs/" + id + "/watch"))
                .toList();
        assertThat(watches).isNotEmpty();
        assertThat(watches.getLast().headers())
                .containsEntry("Authorization", "Bearer " + TOKEN)
                .containsEntry("Accept", "text/event-stream");
    }

    private static List<String> paths(List<Browser.Request> requests) {
        return requests.stream().map(r -> URI.create(r.url()).getPath()).toList();
    }

    private Map<String, String> nodeStates() {
        return browser.driver.findElements(By.cssSelector("svg.dag g.dag-node")).stream()
                .collect(Collectors.toMap(g -> g.getAttribute("data-node"), g -> g.getAttribute("data-state")));
    }

    private <T> T wait(java.util.function.Function<? super org.openqa.selenium.WebDriver, T> condition) {
        // A row or node redrawn between finding it and reading it is found again.
        return browser.waiting(WAIT)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    private String text(String css) {
        return wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)))
                .getText();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser.driver).executeScript(script);
    }
}
