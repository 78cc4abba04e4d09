package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** adagiod's log as an operator reads it: its own format by default, theirs when they give a logback file. */
class LoggingEndToEndTest {
    private static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) ";

    @Test
    void byDefaultOneConciseLinePerEventAndLibrariesOnlyWhenSomethingIsWrong() {
        try (var daemon = AdagiodProcess.builder().startListening()) {
            daemon.awaitLog("API listening", Duration.ofSeconds(60));
            assertThat(daemon.log())
                    .containsPattern("(?m)^" + LINE + "INFO  Daemon: adagiod starting: mode all, backend memory$")
                    .containsPattern("(?m)^" + LINE + "INFO  ApiServer: API listening on http://127\\.0\\.0\\.1:")
                    // libraries (Armeria, Netty, gRPC) log at WARN and above only; logback says nothing of itself
                    .doesNotContainPattern("(?m)^" + LINE + "(DEBUG|INFO) +(Server|ServerBuilder|NioEventLoop|Flags):")
                    .doesNotContain("|-INFO in ch.qos.logback")
                    .doesNotContain("DEBUG");
        }
    }

    @Test
    void aLogbackFileGivenToTheJvmWins(@TempDir Path dir) throws IOException {
        var file = Files.writeString(dir.resolve("mine.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>MINE %level %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>""");
        try (var daemon = AdagiodProcess.builder()
                .env("JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=" + file)
                .startListening()) {
            daemon.awaitLog("API listening", Duration.ofSeconds(60));
            assertThat(daemon.log())
                    .contains("MINE INFO adagiod starting: mode all, backend memory")
                    .doesNotContainPattern("(?m)^" + LINE + "INFO  Daemon:");
        }
    }
}
