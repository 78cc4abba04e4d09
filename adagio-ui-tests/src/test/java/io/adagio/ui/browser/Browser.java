package io.adagio.ui.browser;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The system's headless Chromium driven by the system's chromedriver (Debian {@code chromium} and
 * {@code chromium-driver}). Nothing is downloaded: both paths are given to Selenium, so Selenium
 * Manager has nothing to look up. Where they are missing the tests fail under CI and are skipped,
 * saying why, elsewhere.
 */
final class Browser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
    private static final List<String> CHROMEDRIVER = List.of("/usr/bin/chromedriver");

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static Browser start() throws IOException {
        return start(false);
    }

    /**
     * @param recordNetwork keep Chromium's performance log (its DevTools network events), which
     *                      {@link #requests()} reads: what the page asked the server for
     */
    static Browser start(boolean recordNetwork) throws IOException {
        Path chromium = find("ADAGIO_CHROMIUM", CHROMIUM);
        Path chromedriver = find("ADAGIO_CHROMEDRIVER", CHROMEDRIVER);
        if (chromium == null || chromedriver == null) {
            String message = "The browser tests need the system's Chromium and chromedriver "
                    + "(Debian: apt-get install chromium chromium-driver), or ADAGIO_CHROMIUM and "
                    + "ADAGIO_CHROMEDRIVER naming them. Missing: "
                    + (chromium == null ? "chromium " + CHROMIUM + " " : "")
                    + (chromedriver == null ? "chromedriver " + CHROMEDRIVER : "");
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort("Skipping the browser tests. " + message);
        }
        System.setProperty("webdriver.chrome.driver", chromedriver.toString());
        Path profile = Files.createTempDirectory("adagio-ui-chromium-");
        var options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1440,1000",
                "--user-data-dir=" + profile);
        if (recordNetwork) {
            options.setCapability("goog:loggingPrefs", java.util.Map.of("performance", "ALL"));
        }
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .withLogFile(Files.createDirectories(Path.of("target"))
                        .resolve("chromedriver.log")
                        .toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1440, 1000));
        return new Browser(driver, profile);
    }

    private static Path find(String variable, List<String> candidates) {
        return Optional.ofNullable(System.getenv(variable)).map(List::of).orElse(candidates).stream()
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
    }

    /** A request the page sent: its URL and headers. */
    record Request(String url, java.util.Map<String, String> headers) {}

    /**
     * The requests sent since the last call, from the performance log (a browser started with
     * {@code recordNetwork}).
     */
    List<Request> requests() {
        var out = new java.util.ArrayList<Request>();
        for (var entry : driver.manage().logs().get("performance")) {
            try {
                var message = JSON.readTree(entry.getMessage()).path("message");
                if (!message.path("method").asText().equals("Network.requestWillBeSent")) {
                    continue;
                }
                var request = message.path("params").path("request");
                var headers = new java.util.TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
                request.path("headers")
                        .properties()
                        .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
                out.add(new Request(request.path("url").asText(), headers));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    WebDriverWait waiting(Duration timeout) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    }

    void size(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Writes the visible page to target/screenshots/NAME.png, a test artifact. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a leftover temp profile is harmless
            }
        }
    }
}
