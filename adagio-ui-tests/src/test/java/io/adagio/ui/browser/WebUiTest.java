package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The web UI in a real headless Chromium against a real adagiod: every page, a run started and
 * watched in the browser, a failed node's output, validation errors, and issue 6's acceptance check.
 * Screenshots of each page go to target/screenshots/.
 */
class WebUiTest extends BrowserTest {
    private static final List<String> SEVEN = List.of("a", "b", "c", "d", "e", "f", "g");

    @AfterEach
    void wideWindow() {
        browser.size(1440, 1000);
    }

    @Test
    @DisplayName("acceptance: a completed seven-node run where d fails shows on / and on /runs/{id}")
    void acceptanceGraphWithFailure() {
        String id = adagiod.startRun(spec("graph-with-failure.json"));
        adagiod.awaitCompleted(id);

        open("/");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#recent-runs a[href='/runs/" + id + "']")));
        assertThat(html()).contains(id);
        screenshot("acceptance-overview");

        open("/runs/" + id);
        waitForFinal();
        assertThat(svgTextLabels()).containsExactlyInAnyOrderElementsOf(SEVEN);
        assertThat(nodeStates())
                .containsEntry("d", "failed")
                .containsEntry("a", "succeeded")
                .containsEntry("b", "succeeded")
                .containsEntry("c", "succeeded")
                .containsEntry("f", "succeeded")
                .containsEntry("e", "unreached")
                .containsEntry("g", "unreached");
        assertThat(text(".state-counts")).contains("1 failed");
        assertThat(text("tr[data-node='d']")).contains("Failed");
        screenshot("acceptance-run");
    }

    @Test
    @DisplayName("a run started on /runs/new is watched live to completion; its failed node shows its output")
    void startWatchAndInspectAFailedNode() {
        open("/runs/new");
        WebElement spec = find("#spec");
        spec.sendKeys(spec("build-with-failure.json"));
        screenshot("new-run");
        find("#start-run").click();

        wait(d -> d.getCurrentUrl().matches(".*/runs/[0-9A-HJKMNP-TV-Z]{26}$"));
        String runId = browser.driver.getCurrentUrl().replaceAll(".*/runs/", "");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg.dag")));
        assertThat(browser.driver.findElements(By.cssSelector("svg.dag g.dag-node")))
                .hasSize(6);
        assertThat(svgTextLabels())
                .containsExactlyInAnyOrder("checkout", "lint", "compile", "unit-tests", "package", "publish-report");
        // A marker that a reload would lose: the page must update in place.
        js("window.__adagioNoReload = true");
        assertThat(nodeStates().get("checkout")).isIn("ready", "running");
        wait(d -> "running".equals(nodeStates().get("checkout"))
                || "succeeded".equals(nodeStates().get("checkout")));
        if ("running".equals(nodeStates().get("checkout"))) {
            screenshot("run-live");
        }

        waitForFinal();
        assertThat((Boolean) js("return window.__adagioNoReload === true"))
                .as("updated without a reload")
                .isTrue();
        assertThat(nodeStates())
                .isEqualTo(Map.of(
                        "checkout",
                        "succeeded",
                        "lint",
                        "succeeded",
                        "compile",
                        "failed",
                        "unit-tests",
                        "unreached",
                        "package",
                        "unreached",
                        "publish-report",
                        "succeeded"));
        assertThat(adagiod.run(runId).path("status").asText()).isEqualTo("COMPLETED");
        assertThat(text(".run-state")).contains("Failed");

        find("svg.dag g.dag-node[data-node='compile']").click();
        WebElement panel = wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#node-panel")));
        assertThat(panel.getAttribute("data-node")).isEqualTo("compile");
        assertThat(text("#node-panel .output-text"))
                .contains("compiling 3 modules")
                .contains("error: boom in module two");
        assertThat(text("#node-panel .attempts")).contains("Attempt 1").contains("Fail");
        assertThat(text("#node-panel"))
                .contains("Runtime")
                .contains("exec")
                .contains("command")
                .contains("sh")
                .contains("On error: up to 2 attempts");
        assertThat(browser.driver.getCurrentUrl()).endsWith("?node=compile");
        screenshot("run-node-panel");

        // Keyboard: Escape closes the panel, Enter on a focused node opens it.
        new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
        wait(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#node-panel")));
        js("document.querySelector(\"svg.dag g.dag-node[data-node='publish-report']\").focus()");
        new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
        wait(ExpectedConditions.attributeToBe(By.cssSelector("#node-panel"), "data-node", "publish-report"));
        assertThat(text("#node-panel .output-text")).contains("report published");
        // publish-report follows lint, so lint's output is its input.
        assertThat(text("#node-panel .input-name")).contains("From lint");
    }

    @Test
    @DisplayName("a run can be deleted from its page once it has completed, not before; it is gone afterwards")
    void deleteACompletedRun() throws Exception {
        String id = adagiod.startRun("""
                {"nodes": [{"name": "slow", "runtime": "debug",
                  "metadata": {"adagio.arguments.debug.sleep": {"values": ["10s"]}}}]}""");
        open("/runs/" + id);
        find("#delete-run");
        // Read together, so that the run cannot complete between the two.
        @SuppressWarnings("unchecked")
        var whileActive = (List<Object>) js("""
                return [document.querySelector('.run-status').dataset.status,
                        document.querySelector('#delete-run').disabled,
                        document.querySelector('#delete-run').title];""");
        assertThat(whileActive.get(0)).isNotEqualTo("COMPLETED");
        assertThat(whileActive.get(1)).as("disabled while the run is active").isEqualTo(true);
        assertThat((String) whileActive.get(2)).contains("Only a completed run");
        screenshot("run-delete-disabled");

        waitForFinal();
        wait(ExpectedConditions.elementToBeClickable(By.cssSelector("#delete-run")));
        // Dismissing the confirmation deletes nothing.
        find("#delete-run").click();
        wait(ExpectedConditions.alertIsPresent()).dismiss();
        assertThat(adagiod.run(id).path("id").asText()).isEqualTo(id);

        find("#delete-run").click();
        var confirm = wait(ExpectedConditions.alertIsPresent());
        assertThat(confirm.getText()).contains(id);
        confirm.accept();
        wait(d -> d.getCurrentUrl().endsWith("/runs?deleted=" + id));
        assertThat(text("#deleted-notice")).contains(id).contains("was deleted");
        wait(d -> !rowIds().isEmpty() || html().contains("No runs"));
        assertThat(rowIds()).doesNotContain(id);
        screenshot("runs-after-delete");
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            var response = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(adagiod.url("/v0/runs/" + id)))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("an invalid spec shows the server's message inline and starts nothing")
    void invalidSpecShowsTheServersError() {
        long runsBefore =
                adagiod.get("/v0/stats").path("stats").path("run_count").asLong();
        open("/runs/new");
        find("#spec").sendKeys("""
                {"nodes": [{"name": "build", "runtime": "debug"}],
                 "edges": [{"source": "build", "destination": "ghost"}]}""");
        find("#start-run").click();
        WebElement error =
                wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#spec-errors .callout-error")));
        assertThat(error.getText()).contains("rejected").contains("ghost");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/runs/new");
        assertThat(find("#spec").getAttribute("aria-invalid")).isEqualTo("true");
        screenshot("new-run-error");
        assertThat(adagiod.get("/v0/stats").path("stats").path("run_count").asLong())
                .isEqualTo(runsBefore);

        find("#spec").clear();
        find("#spec").sendKeys("{\"nodes\": [");
        find("#start-run").click();
        wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#spec-errors"), "not valid JSON"));
    }

    @Test
    @DisplayName("/runs lists runs newest first, pages by time bounds and filters by status")
    void runsListPagesAndFilters() {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String conclusion = i % 8 == 3 ? "fail" : "success";
            started.add(adagiod.startRun("""
                    {"nodes": [{"name": "step", "runtime": "debug",
                      "metadata": {"adagio.arguments.debug.conclusion": {"values": ["%s"]}}}]}""".formatted(conclusion)));
        }
        started.forEach(adagiod::awaitCompleted);
        List<JsonNode> all = StreamSupport.stream(
                        adagiod.get("/v0/runs").path("runs").spliterator(), false)
                .toList();
        List<String> newestFirst = all.stream().map(r -> r.path("id").asText()).toList();
        assertThat(newestFirst).hasSizeGreaterThanOrEqualTo(23);

        open("/runs");
        wait(d -> rowIds().size() == 20);
        assertThat(rowIds()).isEqualTo(newestFirst.subList(0, 20));
        assertThat(text("table.runs-table tbody tr")).contains("Completed").contains("1/1");
        screenshot("runs");

        find("a[rel='next']").click();
        wait(d -> d.getCurrentUrl().contains("before="));
        List<String> secondPage = newestFirst.subList(20, Math.min(40, newestFirst.size()));
        wait(d -> rowIds().equals(secondPage));

        List<String> failed = failedIds(all);
        assertThat(failed).hasSizeGreaterThanOrEqualTo(3);
        open("/runs?status=failed");
        wait(d -> rowIds().equals(failed.subList(0, Math.min(20, failed.size()))));
        assertThat(browser.driver.findElements(By.cssSelector("table.runs-table tbody tr")))
                .allSatisfy(row -> assertThat(row.getAttribute("data-state")).isEqualTo("failed"));
        screenshot("runs-failed");
    }

    @Test
    @DisplayName("/agents lists the live agents and their runtimes")
    void agentsPage() {
        List<String> agentIds = StreamSupport.stream(
                        adagiod.get("/v0/agents").path("agents").spliterator(), false)
                .map(a -> a.path("id").asText())
                .toList();
        open("/agents");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("table.agents-table tbody tr")));
        assertThat(browser.driver.findElements(By.cssSelector("table.agents-table tbody tr")).stream()
                        .map(r -> r.getAttribute("data-agent"))
                        .toList())
                .containsExactlyInAnyOrderElementsOf(agentIds);
        assertThat(text("#runtimes")).contains("debug").contains("exec");
        screenshot("agents");
    }

    @Test
    @DisplayName("every page is a real URL: a direct load renders it")
    void deepLinks() {
        String id = adagiod.startRun(spec("graph-with-failure.json"));
        adagiod.awaitCompleted(id);
        Map<String, String> pages = Map.of(
                "/", "Overview", "/runs", "Runs", "/runs/new", "New run", "/agents", "Agents", "/runs/" + id, id);
        pages.forEach((path, heading) -> {
            open(path);
            wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("main h1"), heading));
        });
        open("/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
        wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("main"), "Run not found"));
    }

    @Test
    @DisplayName("a large output is shown capped at 64 KiB, with a note saying so")
    void largeOutputIsCapped() {
        String id = adagiod.startRun("""
                {"nodes": [{"name": "chatty", "runtime": "exec", "metadata": {
                  "adagio.arguments.exec.command": {"values": ["sh"]},
                  "adagio.arguments.exec.args": {"values": ["-c", "yes adagio | head -c 100000"]}}}]}""");
        adagiod.awaitCompleted(id);
        open("/runs/" + id + "?node=chatty");
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#node-panel .output-text")));
        String shown = (String) js("return document.querySelector('#node-panel .output-text').textContent");
        assertThat(shown).hasSize(64 * 1024).startsWith("adagio\nadagio\n");
        assertThat(text("#node-panel .output-note")).isEqualTo("Showing the first 64 KiB of 98 KiB.");
    }

    @Test
    @DisplayName("pages stay readable in a narrow window")
    void narrowWindow() {
        String id = adagiod.startRun(spec("graph-with-failure.json"));
        adagiod.awaitCompleted(id);
        browser.size(420, 900);
        open("/runs/" + id + "?node=d");
        waitForFinal();
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#node-panel")));
        assertThat(horizontalOverflow()).as("the page scrolls sideways").isLessThanOrEqualTo(0);
        browser.screenshot("run-narrow"); // the viewport: the node panel is a bottom sheet over it
        open("/");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#recent-runs table")));
        assertThat(horizontalOverflow()).isLessThanOrEqualTo(0);
        screenshot("overview-narrow");
    }

    // --- helpers

    private void waitForFinal() {
        browser.waiting(Duration.ofSeconds(60))
                .until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector(".run-status[data-status='COMPLETED']")));
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".live-done")));
    }

    private String html() {
        return (String) js("return document.documentElement.outerHTML");
    }

    /** The text of every <text> in the page's drawn graph, as a checker reading the DOM sees it. */
    @SuppressWarnings("unchecked")
    private List<String> svgTextLabels() {
        return (List<String>) js("""
                const svg = [...document.querySelectorAll('svg')].find(s => s.querySelector('text'));
                return svg ? [...svg.querySelectorAll('text')].map(t => t.textContent) : [];""");
    }

    private List<String> rowIds() {
        return browser.driver.findElements(By.cssSelector("table.runs-table tbody tr")).stream()
                .map(r -> r.getAttribute("data-run-id"))
                .toList();
    }

    private static List<String> failedIds(List<JsonNode> runs) {
        return runs.stream()
                .filter(r -> StreamSupport.stream(r.path("nodes").spliterator(), false)
                        .anyMatch(n -> {
                            JsonNode attempts = n.path("attempts");
                            return attempts.size() > 0
                                    && "FAIL"
                                            .equals(attempts.get(attempts.size() - 1)
                                                    .path("conclusion")
                                                    .asText());
                        }))
                .map(r -> r.path("id").asText())
                .toList();
    }

    private long horizontalOverflow() {
        return ((Number) js("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
    }

    /**
     * Unlike the other classes' visible-page screenshot, one as tall as the page (up to 2400 px), so
     * that nothing is cut off; {@code browser.screenshot} takes the visible page only.
     */
    @Override
    void screenshot(String name) {
        var size = browser.driver.manage().window().getSize();
        long height = ((Number) js("return document.documentElement.scrollHeight")).longValue();
        long chrome = ((Number) js("return Math.max(0, window.outerHeight - window.innerHeight)")).longValue();
        browser.size(size.getWidth(), (int) Math.min(2400, Math.max(size.getHeight(), height + chrome)));
        try {
            browser.screenshot(name);
        } finally {
            browser.size(size.getWidth(), size.getHeight());
        }
    }

    private static String spec(String name) {
        try (InputStream in = WebUiTest.class.getResourceAsStream("/specs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
