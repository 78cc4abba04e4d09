package io.adagio.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The jar's side of the serving contract: the page, every asset it names, every module those
 * import, and the vendored layout library are on the classpath where the server looks, and nothing
 * points outside adagiod (no CDN). The browser tests in adagio-ui-tests check what the pages do.
 */
class UiAssetsTest {
    private static final String ROOT = "META-INF/adagio-ui/";
    private static final Pattern PAGE_ASSET = Pattern.compile("(?:src|href)=\"(/assets/[^\"]+)\"");
    private static final Pattern MODULE_IMPORT =
            Pattern.compile("(?m)^\\s*import\\s+(?:[^'\"]*?\\s+from\\s+)?['\"]([^'\"]+)['\"]");
    private static final Pattern EXTERNAL_URL =
            Pattern.compile("(?:src|href|import|url)\\s*[=(]?\\s*['\"]?(?:https?:)?//");

    @Test
    void indexNamesOnlyAssetsThatExist() throws IOException {
        String index = read(ROOT + "index.html");
        assertThat(index).contains("META-INF/adagio-ui/assets/");
        List<String> assets = new ArrayList<>();
        Matcher m = PAGE_ASSET.matcher(index);
        while (m.find()) {
            assets.add(m.group(1));
        }
        assertThat(assets).contains("/assets/app.js", "/assets/app.css", "/assets/vendor/dagre/dagre.min.js");
        for (String asset : assets) {
            assertThat(resource(ROOT + asset.substring(1))).as(asset).isNotNull();
        }
    }

    @Test
    void everyModuleImportResolves() throws IOException {
        List<String> pending = new ArrayList<>(List.of("assets/app.js"));
        List<String> seen = new ArrayList<>();
        while (!pending.isEmpty()) {
            String path = pending.remove(0);
            if (seen.contains(path)) {
                continue;
            }
            seen.add(path);
            String source = read(ROOT + path);
            Matcher m = MODULE_IMPORT.matcher(source);
            while (m.find()) {
                String target =
                        URI.create("/" + path).resolve(m.group(1)).getPath().substring(1);
                assertThat(resource(ROOT + target))
                        .as("%s imports %s", path, m.group(1))
                        .isNotNull();
                pending.add(target);
            }
        }
        assertThat(seen)
                .contains(
                        "assets/pages/run.js",
                        "assets/dag.js",
                        "assets/layers.js",
                        "assets/node-panel.js",
                        "assets/pages/new-run.js");
    }

    @Test
    void nothingLoadsFromOutsideTheServer() throws IOException {
        for (String path : List.of(
                "index.html",
                "assets/app.css",
                "assets/app.js",
                "assets/dag.js",
                "assets/layers.js",
                "assets/node-panel.js",
                "assets/pages/run.js",
                "assets/pages/overview.js",
                "assets/pages/runs.js",
                "assets/pages/new-run.js",
                "assets/pages/agents.js")) {
            String text = read(ROOT + path).replace("http://www.w3.org/2000/svg", "");
            assertThat(EXTERNAL_URL.matcher(text).find())
                    .as("%s refers to an external URL", path)
                    .isFalse();
        }
    }

    @Test
    void dagreIsVendoredWithItsLicence() throws IOException {
        assertThat(read(ROOT + "assets/vendor/dagre/dagre.min.js"))
                .contains("dagre")
                .hasSizeGreaterThan(10_000);
        assertThat(read(ROOT + "assets/vendor/dagre/LICENSE")).containsIgnoringCase("permission is hereby granted");
    }

    private static java.net.URL resource(String name) {
        return UiAssetsTest.class.getClassLoader().getResource(name);
    }

    private static String read(String name) throws IOException {
        try (InputStream in = UiAssetsTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as("classpath resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
