package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The run page's Cancel and Rerun buttons in a real headless Chromium against a real adagiod, and
 * the conclusions the pages show: a running run cancelled after a confirm, a failed run rerun once
 * its cause is fixed. Screenshots go to target/screenshots/.
 */
class RunControlBrowserTest extends BrowserTest {
    /** A node that runs for a minute: a run that is still running whenever the test looks. */
    private static final String SLEEPER = """
            {"name": "sleeper", "runtime": "exec", "metadata": {
              "adagio.arguments.exec.command": {"values": ["sleep"]},
              "adagio.arguments.exec.args": {"values": ["60"]}}}""";

    private static final String SLEEPER_ALONE = "{\"nodes\": [" + SLEEPER + "]}";

    private static final String SLEEPER_THEN_AFTER = """
            {"nodes": [%s, {"name": "after", "runtime": "debug"}],
             "edges": [{"source": "sleeper", "destination": "after"}]}""".formatted(SLEEPER);

    @TempDir
    Path dir;

    @Test
    @DisplayName("Cancel asks first, then stops a running run: its nodes and the run show Cancelled")
    void cancelARunningRun() {
        String id = openWithSleeperRunning(SLEEPER_THEN_AFTER);
        assertThat(find("#rerun-run").isEnabled()).as("Rerun while running").isFalse();
        assertThat(find("#cancel-run").isEnabled()).isTrue();

        // Declining changes nothing.
        find("#cancel-run").click();
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#confirm-cancel")));
        screenshot("run-cancel-confirm");
        find("#confirm-cancel button[value='decline']").click();
        wait(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#confirm-cancel"), 0));
        assertThat(adagiod.run(id).path("status").asText()).isEqualTo("RUNNING");

        find("#cancel-run").click();
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#confirm-cancel")));
        find("#confirm-cancel button[data-confirm]").click();

        waitForConclusion("CANCELLED");
        assertThat(nodeStates()).isEqualTo(Map.of("sleeper", "cancelled", "after", "cancelled"));
        assertThat(text(".run-state")).contains("Cancelled");
        assertThat(text(".run-conclusion")).isEqualTo("Cancelled");
        assertThat(text("tr[data-node='after']")).contains("Cancelled");
        assertThat(find("tr[data-node='after']").getAttribute("data-conclusion"))
                .isEqualTo("CANCELLED");
        assertThat(find("#cancel-run").isEnabled()).as("Cancel once completed").isFalse();
        assertThat(find("#rerun-run").isEnabled())
                .as("Rerun of a cancelled run")
                .isTrue();
        JsonNode run = adagiod.run(id);
        assertThat(run.path("conclusion").asText()).isEqualTo("CANCELLED");
        screenshot("run-cancelled");

        find("svg.dag g.dag-node[data-node='sleeper']").click();
        wait(ExpectedConditions.attributeToBe(By.cssSelector("#node-panel"), "data-node", "sleeper"));
        assertThat(text("#node-panel .attempts")).contains("Attempt 1").contains("Cancelled");
        assertThat(text("#node-panel .attempt-agent"))
                .contains(run.path("nodes")
                        .get(0)
                        .path("attempts")
                        .get(0)
                        .path("agent_id")
                        .asText());

        open("/runs?status=cancelled");
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-run-id='" + id + "']")));
        assertThat(find("tr[data-run-id='" + id + "']").getAttribute("data-state"))
                .isEqualTo("cancelled");
        assertThat(text("tr[data-run-id='" + id + "'] td.col-conclusion")).endsWith("Cancelled");
    }

    @Test
    @DisplayName("a cancel's answer that comes after the stream brought the completion leaves the page completed")
    void aLateCancelAnswerDoesNotUndoTheCompletion() {
        String id = openWithSleeperRunning(SLEEPER_THEN_AFTER);
        // The race a slow network or a busy machine makes: the cancel's answer (the run as the
        // cancel left it, still running) is held here until the watch stream has shown the run
        // cancelled, then handed to the page.
        js("""
                const original = window.fetch;
                window.fetch = async (...args) => {
                  const response = await original(...args);
                  if (String(args[0]).endsWith('/cancel')) {
                    while (!document.querySelector(".run-conclusion[data-conclusion='CANCELLED']")) {
                      await new Promise((resolve) => setTimeout(resolve, 20));
                    }
                    window.lateCancelAnswered = true;
                  }
                  return response;
                };""");
        find("#cancel-run").click();
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#confirm-cancel")));
        find("#confirm-cancel button[data-confirm]").click();

        wait(d -> Boolean.TRUE.equals(js("return window.lateCancelAnswered === true")));
        // The page took the answer once the button is no longer busy.
        wait(d -> find("#cancel-run").getAttribute("aria-busy") == null);
        assertThat(find(".run-conclusion").getAttribute("data-conclusion")).isEqualTo("CANCELLED");
        assertThat(text(".run-status")).isEqualTo("Completed");
        assertThat(nodeStates()).isEqualTo(Map.of("sleeper", "cancelled", "after", "cancelled"));
        assertThat(find("#rerun-run").isEnabled())
                .as("Rerun of a cancelled run")
                .isTrue();
    }

    @Test
    @DisplayName("Rerun runs a failed run's failed and unreached nodes again once the cause is fixed")
    void rerunAFailedRun() throws IOException {
        Path cause = dir.resolve("config.txt");
        String id = adagiod.startRun(
                """
                {"nodes": [{"name": "prepare", "runtime": "exec", "metadata": {
                             "adagio.arguments.exec.command": {"values": ["echo"]},
                             "adagio.arguments.exec.args": {"values": ["prepared"]}}},
                           {"name": "read-config", "runtime": "exec", "metadata": {
                             "adagio.arguments.exec.command": {"values": ["cat"]},
                             "adagio.arguments.exec.args": {"values": ["%s"]}}},
                           {"name": "publish", "runtime": "debug"}],
                 "edges": [{"source": "prepare", "destination": "read-config"},
                           {"source": "read-config", "destination": "publish"}]}""".formatted(cause.toString().replace("\\", "\\\\").replace("\"", "\\\"")));
        JsonNode failed = adagiod.awaitCompleted(id);
        assertThat(failed.path("conclusion").asText()).isEqualTo("FAIL");

        open("/runs/" + id);
        waitForConclusion("FAIL");
        assertThat(nodeStates())
                .isEqualTo(Map.of("prepare", "succeeded", "read-config", "failed", "publish", "unreached"));
        assertThat(text(".run-conclusion")).isEqualTo("Failed");
        assertThat(find("#cancel-run").isEnabled()).isFalse();
        assertThat(find("#rerun-run").isEnabled()).isTrue();
        screenshot("run-failed-before-rerun");

        Files.writeString(cause, "the config\n");
        find("#rerun-run").click();
        waitForConclusion("SUCCESS");
        assertThat(nodeStates())
                .isEqualTo(Map.of("prepare", "succeeded", "read-config", "succeeded", "publish", "succeeded"));
        assertThat(text(".run-conclusion")).isEqualTo("Succeeded");
        assertThat(find("#rerun-run").isEnabled())
                .as("Rerun of a run that succeeded")
                .isFalse();
        JsonNode done = adagiod.run(id);
        assertThat(done.path("conclusion").asText()).isEqualTo("SUCCESS");
        assertThat(done.path("nodes").get(0))
                .as("prepare kept as it was")
                .isEqualTo(failed.path("nodes").get(0));
        screenshot("run-rerun-succeeded");

        find("tr[data-node='read-config'] button").click();
        wait(ExpectedConditions.attributeToBe(By.cssSelector("#node-panel"), "data-node", "read-config"));
        wait(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#node-panel .attempts"), "Attempt 2"));
        assertThat(browser.driver.findElements(By.cssSelector("#node-panel .attempt")).stream()
                        .map(a -> a.getAttribute("data-conclusion"))
                        .collect(Collectors.toList()))
                .endsWith("SUCCESS")
                .contains("FAIL");
        assertThat(text("#node-panel .attempt[data-conclusion='SUCCESS'] .output-text"))
                .contains("the config");
    }

    @Test
    @DisplayName("a rerun the server refuses shows its message on the page")
    void aRefusedRerunShowsTheServersMessage() {
        String id = openWithSleeperRunning(SLEEPER_ALONE);
        // The button is disabled while the run runs; a page that could press it anyway still gets a clear answer.
        js("document.querySelector('#rerun-run').disabled = false; document.querySelector('#rerun-run').click()");
        wait(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".action-result .callout-error")));
        assertThat(text(".action-result .callout-error"))
                .contains("Cannot rerun the run")
                .contains(id);
        adagiod.cancel(id);
        waitForConclusion("CANCELLED");
    }

    // --- helpers

    /** Starts a run of {@code spec}, opens its page and returns its ID once the page shows "sleeper" running. */
    private String openWithSleeperRunning(String spec) {
        String id = adagiod.startRun(spec);
        open("/runs/" + id);
        wait(d -> "running".equals(nodeStates().get("sleeper")));
        return id;
    }

    private void waitForConclusion(String conclusion) {
        browser.waiting(Duration.ofSeconds(60))
                .until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector(".run-conclusion[data-conclusion='" + conclusion + "']")));
        wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".live-done")));
    }
}
