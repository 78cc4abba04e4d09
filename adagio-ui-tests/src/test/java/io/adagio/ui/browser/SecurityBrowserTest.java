package io.adagio.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Issue 11's browser checks in a real headless Chromium: a page of another origin can use the API
 * only when adagiod allows it with -cors-allowed-origins, and the UI of an adagiod with
 * -auth-token-file asks for a token, keeps it for the session and works with it.
 */
class SecurityBrowserTest extends BrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "ui-test-token-0123456789abcdef";
    private static final String SPEC = "{\"nodes\": [{\"name\": \"hello\", \"runtime\": \"debug\"}]}";

    private OtherOrigin otherOrigin;
    private Adagiod plain;
    private Adagiod cors;
    private Adagiod tokens;

    /** Another web site and three daemons instead of the one default: plain, allowing CORS, wanting a token. */
    @Override
    void startServers() throws IOException {
        otherOrigin = closeAfterAll(OtherOrigin.start());
        plain = closeAfterAll(Adagiod.start());
        cors = closeAfterAll(Adagiod.start(null, "-cors-allowed-origins", "*"));
        tokens = closeAfterAll(Adagiod.startWithToken("alice", TOKEN));
    }

    @Test
    @DisplayName("with -cors-allowed-origins '*' a page of another origin lists runs and starts one")
    void anotherOriginWithCors() throws Exception {
        long before = cors.runCount();
        browser.driver.get(otherOrigin.pageCalling(cors.baseUrl));
        JsonNode listed = click("#list");
        assertThat(listed.path("status").asInt()).as(listed.toString()).isEqualTo(200);
        assertThat(listed.path("body").has("runs")).isTrue();

        JsonNode started = click("#start");
        assertThat(started.path("status").asInt()).as(started.toString()).isEqualTo(200);
        String id = started.path("body").path("run").path("id").asText();
        assertThat(id).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(cors.runCount()).isEqualTo(before + 1);
        assertThat(cors.run(id).path("nodes").get(0).path("spec").path("name").asText())
                .isEqualTo("from-elsewhere");
    }

    @Test
    @DisplayName("without it, the same page can neither list runs nor start one")
    void anotherOriginWithoutCors() throws Exception {
        long before = plain.runCount();
        browser.driver.get(otherOrigin.pageCalling(plain.baseUrl));
        JsonNode listed = click("#list");
        assertThat(listed.has("error")).as(listed.toString()).isTrue();
        JsonNode started = click("#start");
        assertThat(started.has("error")).as(started.toString()).isTrue();
        assertThat(plain.runCount()).isEqualTo(before);
    }

    @Test
    @DisplayName("with -auth-token-file the UI asks for a token, refuses a wrong one, and works with the right one")
    void theUiAsksForAToken() {
        browser.driver.get(tokens.url("/"));
        WebElement input = find("#token-dialog[open] #token-input");
        assertThat(text("#token-dialog"))
                .contains("needs a token", "bearer token is required", "kept in this browser tab");
        input.sendKeys("wrong-" + TOKEN);
        find("#token-submit").click();
        wait(d -> d.findElements(By.cssSelector("#token-dialog[open] .callout-error"))
                        .size()
                == 1);
        assertThat(text("#token-dialog")).contains("That token was refused");
        browser.screenshot("token-refused");

        find("#token-dialog[open] #token-input").sendKeys(TOKEN);
        find("#token-submit").click();
        wait(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#token-dialog")));
        find("#recent-runs");
        assertThat(text("#auth-button")).isEqualTo("Sign out");

        // Start a run from the form; the token goes with it.
        browser.driver.get(tokens.url("/runs/new"));
        find("#spec").sendKeys(SPEC);
        find("#start-run").click();
        wait(d -> d.getCurrentUrl().matches(".*/runs/[0-9A-HJKMNP-TV-Z]{26}$"));
        String id = browser.driver.getCurrentUrl().replaceAll(".*/runs/", "");
        tokens.awaitCompleted(id);
        tokens.awaitLog("run " + id + " started by alice from 127.0.0.1");
        assertThat(browser.driver.findElements(By.cssSelector("#token-dialog"))).isEmpty();
        assertThat((String) js("return sessionStorage.getItem('adagio.token')")).isEqualTo(TOKEN);
    }

    @Test
    @DisplayName("cancelling the prompt shows the refusal and a Sign in button that asks again")
    void cancellingThePrompt() {
        // localhost rather than 127.0.0.1: another origin, so a session without a token.
        browser.driver.get(tokens.url("/agents").replace("127.0.0.1", "localhost"));
        find("#token-dialog[open] #token-input");
        find("#token-cancel").click();
        wait(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#token-dialog")));
        assertThat(text(".callout-error")).contains("bearer token is required");
        WebElement signIn = find("#auth-button");
        assertThat(signIn.isDisplayed()).isTrue();
        assertThat(signIn.getText()).isEqualTo("Sign in");

        signIn.click();
        find("#token-dialog[open] #token-input").sendKeys(TOKEN);
        find("#token-submit").click();
        wait(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("#token-dialog")));
        wait(d -> d.findElements(By.cssSelector(".callout-error")).isEmpty());
        assertThat(text("#auth-button")).isEqualTo("Sign out");
    }

    @Test
    @DisplayName("the UI of a default adagiod still starts a run from its form")
    void theDefaultUiStartsARun() {
        long before = plain.runCount();
        browser.driver.get(plain.url("/runs/new"));
        find("#spec").sendKeys(SPEC);
        find("#start-run").click();
        wait(d -> d.getCurrentUrl().matches(".*/runs/[0-9A-HJKMNP-TV-Z]{26}$"));
        String id = browser.driver.getCurrentUrl().replaceAll(".*/runs/", "");
        plain.awaitCompleted(id);
        assertThat(plain.runCount()).isEqualTo(before + 1);
        assertThat(browser.driver.findElements(By.cssSelector("#token-dialog"))).isEmpty();
    }

    /** Clicks a button of the other origin's page and returns what its fetch got. */
    private JsonNode click(String button) throws IOException {
        js("document.getElementById('out').dataset.done = ''");
        find(button).click();
        wait(d -> "true".equals(d.findElement(By.id("out")).getDomAttribute("data-done")));
        return JSON.readTree(text("#out"));
    }
}
