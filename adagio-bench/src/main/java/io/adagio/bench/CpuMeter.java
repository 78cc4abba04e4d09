package io.adagio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;

/**
 * CPU time used by this process and, when the bench started it, by etcd: on a machine of two cores
 * both are busy during an etcd workload, so what each spends per node (against what each spends
 * per raw transaction) is what bounds the efficiency.
 */
final class CpuMeter {
    /** CPU used so far, in nanoseconds; {@code etcdNanos} is -1 when etcd is not ours to read. */
    record Sample(long selfNanos, long etcdNanos) {
        /** The CPU used since {@code before}. */
        Sample minus(Sample before) {
            return new Sample(
                    selfNanos - before.selfNanos,
                    etcdNanos < 0 || before.etcdNanos < 0 ? -1 : etcdNanos - before.etcdNanos);
        }
    }

    /** Linux reports a process's CPU time in clock ticks of 1/100 s. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final ProcessMeter etcd;

    /** @param etcd the etcd process the bench started, or null (an etcd given by address) */
    CpuMeter(ProcessMeter etcd) {
        this.etcd = etcd;
    }

    Sample now() {
        try {
            return new Sample(OS.getProcessCpuTime(), etcd == null ? -1 : etcd.cpuTicks() * NANOS_PER_TICK);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read etcd's CPU time", e);
        }
    }
}
