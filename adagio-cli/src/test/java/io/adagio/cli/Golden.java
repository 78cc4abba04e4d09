package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden. Run the tests with {@code -Dgolden.update=true}
 * to rewrite them from the actual output, then review the diff.
 */
final class Golden {
    private static final Path DIR = Path.of("src", "test", "resources", "golden");

    private Golden() {}

    static void assertMatches(String name, String actual) throws IOException {
        Path file = DIR.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertThat(file)
                .as("golden file %s (create it with -Dgolden.update=true)", file)
                .exists();
        assertThat(actual)
                .as("output against golden file %s", file)
                .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Makes live output comparable: run and claim IDs, timestamps and durations vary from run to
     * run, and with them the widths of table columns, so runs of spaces become one.
     */
    static String normalise(String text) {
        return text.replaceAll("\\b[0-9A-HJKMNP-TV-Z]{26}\\b", "<ID>")
                .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<TIME>")
                .replaceAll("\\b\\d+(\\.\\d+)?(ms|s)\\b|\\b\\d+m\\d\\ds\\b|\\b\\d+h\\d\\dm\\b", "<DURATION>")
                .replaceAll(" {2,}", " ");
    }
}
