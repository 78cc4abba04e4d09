package io.adagio.ui.browser;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * What every browser test class shares: one headless Chromium for the whole class (starting it takes
 * seconds), by default one adagiod, and the page helpers. Everything started is closed after the
 * class's tests, each part even if another fails to close.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTest {
    /** How long {@link #wait} waits, unless a class says otherwise by overriding it. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    Browser browser;
    /** The daemon {@link #open} loads pages from; null in a class whose {@link #startServers} starts its own. */
    Adagiod adagiod;

    @BeforeAll
    final void startBrowserAndServers() throws IOException {
        browser = closeAfterAll(startBrowser());
        startServers();
    }

    /** The class's browser; a class that reads the network log starts one that records it. */
    Browser startBrowser() throws IOException {
        return Browser.start();
    }

    /**
     * Starts what the class's pages talk to: by default one {@link #adagiod}. A class that wants others
     * (several daemons with other flags, another web site) starts them here, each through
     * {@link #closeAfterAll}.
     */
    void startServers() throws IOException {
        adagiod = closeAfterAll(Adagiod.start());
    }

    /** Has {@code part} closed after the class's tests, in the order started; returns it. */
    final <T extends AutoCloseable> T closeAfterAll(T part) {
        toClose.add(part);
        return part;
    }

    /**
     * Closes every part, the browser first (so that no page holds a stream open to a daemon that is
     * stopping); a part that fails to close does not keep the others running.
     */
    @AfterAll
    final void closeAll() throws Throwable {
        Throwable failure = null;
        for (AutoCloseable part : toClose) {
            try {
                part.close();
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        toClose.clear();
        if (failure != null) {
            throw failure;
        }
    }

    // --- page helpers

    /** Loads {@code path} of {@link #adagiod}'s UI. */
    void open(String path) {
        browser.driver.get(adagiod.url(path));
    }

    <T> T wait(Function<? super WebDriver, T> condition) {
        return browser.waiting(WAIT).until(condition);
    }

    /** The element, once it is in the page. */
    WebElement find(String css) {
        return wait(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    String text(String css) {
        return find(css).getText();
    }

    Object js(String script, Object... args) {
        return browser.driver.executeScript(script, args);
    }

    /** Every node of the drawn graph and its state (the {@code data-state} the page gave it). */
    Map<String, String> nodeStates() {
        return browser.driver.findElements(By.cssSelector("svg.dag g.dag-node")).stream()
                .collect(Collectors.toMap(g -> g.getAttribute("data-node"), g -> g.getAttribute("data-state")));
    }

    /** The visible page, to target/screenshots/NAME.png. */
    void screenshot(String name) {
        browser.screenshot(name);
    }
}
