package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyAllocatorChoiceTest {
    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(Adagiod.NETTY_ALLOCATOR);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(Adagiod.NETTY_ALLOCATOR);
        } else {
            System.setProperty(Adagiod.NETTY_ALLOCATOR, saved);
        }
    }

    @Test
    void theDaemonPrefersUnpooledBuffers() {
        System.clearProperty(Adagiod.NETTY_ALLOCATOR);
        Adagiod.preferUnpooledBuffers();
        assertThat(System.getProperty(Adagiod.NETTY_ALLOCATOR)).isEqualTo("unpooled");
    }

    @Test
    void anAllocatorGivenOnTheCommandLineWins() {
        System.setProperty(Adagiod.NETTY_ALLOCATOR, "pooled");
        Adagiod.preferUnpooledBuffers();
        assertThat(System.getProperty(Adagiod.NETTY_ALLOCATOR)).isEqualTo("pooled");
    }
}
