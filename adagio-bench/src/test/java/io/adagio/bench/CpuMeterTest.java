package io.adagio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuMeterTest {
    @Test
    void countsThisProcesssCpuAndNoEtcdWhenItIsNotTheBenchsOwn() {
        var meter = new CpuMeter(null);
        var before = meter.now();
        long spin = 0;
        for (long end = System.nanoTime() + 50_000_000L; System.nanoTime() < end; ) {
            spin++;
        }

        var used = meter.now().minus(before);

        assertThat(spin).isPositive();
        assertThat(used.selfNanos()).isPositive();
        assertThat(used.etcdNanos()).isEqualTo(-1);
    }

    @Test
    void readsAnotherProcesssCpuFromProc() {
        var self = new CpuMeter(new ProcessMeter(ProcessHandle.current().pid()));

        assertThat(self.now().etcdNanos())
                .as("this JVM read as the etcd process")
                .isPositive();
        assertThat(new CpuMeter.Sample(5, 7).minus(new CpuMeter.Sample(2, 3))).isEqualTo(new CpuMeter.Sample(3, 4));
        assertThat(new CpuMeter.Sample(5, 7).minus(new CpuMeter.Sample(2, -1)).etcdNanos())
                .isEqualTo(-1);
    }
}
