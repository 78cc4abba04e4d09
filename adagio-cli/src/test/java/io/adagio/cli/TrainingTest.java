package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sample the ahead-of-time cache is recorded with must go through the lean readers and printers whole. */
class TrainingTest {
    @Test
    void theSampleListingStatsAndAgentsAreReadAndPrinted() {
        var printed = Training.exercise();

        assertThat(printed.lines().filter(line -> line.startsWith("01M8TDH63F8T2N3X7PWKK0")))
                .as("one table row per run of the sample")
                .hasSize(Training.RUNS);
        assertThat(printed).contains("RUNNING", "COMPLETED", "FAIL", "1400", "vm-1-abc");
    }
}
