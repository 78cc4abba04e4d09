package io.adagio.testkit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdBackendTest {
    private static final String ADDRESSES = "http://127.0.0.1:2379,http://127.0.0.1:2479";

    @Test
    void theEnvironmentNamesTheBackendAndWhatWasSetOnly() {
        assertThat(EtcdBackend.at(ADDRESSES).env())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("ADAGIOD_BACKEND_TYPE", "etcd", "ADAGIOD_ETCD_ADDRESSES", ADDRESSES));
        assertThat(EtcdBackend.at(ADDRESSES)
                        .namespace("e2e")
                        .leaseTtl(Duration.ofSeconds(3))
                        .env())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "ADAGIOD_BACKEND_TYPE", "etcd",
                        "ADAGIOD_ETCD_ADDRESSES", ADDRESSES,
                        "ADAGIOD_ETCD_NAMESPACE", "e2e",
                        "ADAGIOD_ETCD_LEASE_TTL", "3s"));
    }

    @Test
    void theFlagsSayTheSame() {
        assertThat(EtcdBackend.at(ADDRESSES).flags())
                .containsExactly("-backend-type", "etcd", "-etcd-addresses", ADDRESSES);
        assertThat(EtcdBackend.at(ADDRESSES)
                        .leaseTtl(Duration.ofMinutes(1))
                        .namespace("e2e")
                        .flags())
                .containsExactly(
                        "-backend-type",
                        "etcd",
                        "-etcd-addresses",
                        ADDRESSES,
                        "-etcd-namespace",
                        "e2e",
                        "-etcd-lease-ttl",
                        "60s");
    }

    @Test
    void eachSettingMakesANewValueAndLeavesTheOldOneAsItWas() {
        var base = EtcdBackend.at(ADDRESSES);
        var named = base.namespace("one");
        assertThat(named.namespace("two").env()).containsEntry("ADAGIOD_ETCD_NAMESPACE", "two");
        assertThat(named.env()).containsEntry("ADAGIOD_ETCD_NAMESPACE", "one");
        assertThat(base.env()).doesNotContainKey("ADAGIOD_ETCD_NAMESPACE");
    }

    @Test
    void aLeaseTtlAdagiodWouldRefuseIsRefusedHere() {
        var backend = EtcdBackend.at(ADDRESSES);
        assertThatThrownBy(() -> backend.leaseTtl(Duration.ofMillis(2500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> EtcdBackend.at(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
