package io.adagio.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class AdagiodProcessTest {

    @Test
    void theDaemonClassPathLeavesOutTestClassesAndTestJars() {
        var testClassPath = String.join(
                File.pathSeparator,
                "/repo/adagio-cli/target/test-classes",
                "/repo/adagio-cli/target/classes",
                "/m2/io/adagio/adagio-etcd/0.1.0-SNAPSHOT/adagio-etcd-0.1.0-SNAPSHOT-tests.jar",
                "/repo/adagio-client/target/test-classes/",
                "/m2/io/adagio/adagio-daemon/0.1.0-SNAPSHOT/adagio-daemon-0.1.0-SNAPSHOT.jar",
                "");

        assertThat(AdagiodProcess.daemonClassPath(testClassPath).split(File.pathSeparator))
                .containsExactly(
                        "/repo/adagio-cli/target/classes",
                        "/m2/io/adagio/adagio-daemon/0.1.0-SNAPSHOT/adagio-daemon-0.1.0-SNAPSHOT.jar");
    }

    @Test
    void aFreePortCanBeBound() throws Exception {
        int port = AdagiodProcess.freePort();
        try (var socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }
}
