package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The pages that follow runs live do so from the run's watch stream (Server-Sent Events read with
 * fetch), not by polling Inspect: checked in the browser's own network log, on a plain adagiod and
 * on one that wants a token.
 */
class LiveBrowserTest extends BrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "live-test-token-0123456789abcdef";

    private Adagiod plain;
    private Adagiod tokens;

    /** The tests read the page's requests from the browser's network log. */
    @Override
    Browser startBrowser() throws IOException {
        return Browser.start(true);
    }

    /** Two daemons instead of the one default: a plain one and one that wants a token. */
    @Override
    void startServers() throws IOException {
        plain = closeAfterAll(Adagiod.start());
        tokens = closeAfterAll(Adagiod.startWithToken("alice", TOKEN));
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

    private static void openGate(Path gate) {
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
        openGate(gate);

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
        openGate(gate);
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

    /**
     * Longer than the default 30 s, and a row or node redrawn between finding it and reading it is
     * found again.
     */
    @Override
    <T> T wait(Function<? super WebDriver, T> condition) {
        return browser.waiting(WAIT)
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }
}
