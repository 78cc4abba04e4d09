package io.adagio.daemon;

import ch.qos.logback.classic.Level;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code adagiod [api|agent] [OPTIONS]}: reads the settings, starts the daemon, and on SIGTERM or
 * SIGINT shuts it down gracefully and exits 0. Exit 2 is a configuration mistake, 1 a failure to
 * start.
 */
public final class Adagiod {
    public static final int EXIT_OK = 0;
    public static final int EXIT_STARTUP_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private Adagiod() {}

    /** Netty's allocator, unless the operator chose one ({@code -Dio.netty.allocator.type=...}). */
    static final String NETTY_ALLOCATOR = "io.netty.allocator.type";

    public static void main(String[] args) {
        preferUnpooledBuffers();
        IdleHeapTrim.startIfSupported();
        System.exit(run(args));
    }

    /**
     * Netty's pooled allocators (the API server's and the etcd client's) keep every chunk a large
     * response took, for good: twenty 1.3 MB JSON listings of 200 runs left ~24 MiB more resident in
     * an idle daemon. Unpooled direct buffers are freed when released, and a 1,000-node run through
     * etcd and the fan-out check measured the same either way (docs/PERFORMANCE.md, footprint). Set
     * before any Netty class reads it, so here, first; a value given on the command line wins.
     */
    static void preferUnpooledBuffers() {
        if (System.getProperty(NETTY_ALLOCATOR) == null) {
            System.setProperty(NETTY_ALLOCATOR, "unpooled");
        }
    }

    static int run(String[] args) {
        PrintStream err = System.err;
        Settings settings;
        try {
            switch (SettingsLoader.load(args, System.getenv())) {
                case SettingsLoader.Parsed.Help h -> {
                    System.out.print(Usage.text());
                    return EXIT_OK;
                }
                case SettingsLoader.Parsed.Run r -> settings = r.settings();
            }
        } catch (ConfigException e) {
            err.println("adagiod: " + e.getMessage());
            err.println("Run 'adagiod -help' for usage.");
            return EXIT_USAGE;
        }
        var refusal = ApiProtection.refusal(settings);
        if (refusal.isPresent()) {
            err.println("adagiod: " + refusal.get());
            return EXIT_USAGE;
        }
        setLogLevel(settings.logLevel());
        Logger log = LoggerFactory.getLogger(Adagiod.class);

        // Handle the signals ourselves rather than only in a shutdown hook: the JVM would exit 143/130
        // after the hooks, and a graceful stop is a success.
        var stop = new CountDownLatch(1);
        var signal = new AtomicReference<String>();
        // A signal while it still starts (waiting for etcd, up to -etcd-wait) interrupts the start, which
        // would otherwise hold the operator's Ctrl-C until it is over.
        var starting = new AtomicReference<Thread>(Thread.currentThread());
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signals.handle(name, received -> {
                    if (signal.compareAndSet(null, "SIG" + received)) {
                        stop.countDown();
                        synchronized (starting) {
                            var starter = starting.get();
                            if (starter != null) {
                                starter.interrupt();
                            }
                        }
                    }
                });
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }

        Daemon daemon;
        try {
            daemon = Daemon.start(settings);
        } catch (ConfigException e) {
            err.println("adagiod: " + e.getMessage());
            return EXIT_USAGE;
        } catch (RuntimeException | LinkageError e) {
            startedOrNot(starting);
            if (signal.get() != null) {
                log.info("{} received while starting: stopped", signal.get());
                return EXIT_OK;
            }
            log.error("adagiod could not start: {}", e.getMessage() != null ? e.getMessage() : e.toString());
            log.debug("startup failure", e);
            return EXIT_STARTUP_FAILED;
        }
        startedOrNot(starting);
        // Any other way the JVM ends (System.exit elsewhere, SIGHUP without a token file) still stops the
        // daemon cleanly. With a token file, SIGHUP reads it again, as daemons conventionally do.
        if (settings.mode().runsApi() && settings.api().authTokenFile() != null) {
            try {
                Signals.handle("HUP", received -> daemon.reloadCredentials());
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIGHUP: {}", e.getMessage());
            }
        }
        var hook = new Thread(daemon::close, "adagiod-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info(
                "{} received: shutting down gracefully (grace period {})",
                signal.get(),
                io.adagio.agent.runtime.Durations.format(settings.shutdownGrace()));
        daemon.close();
        return EXIT_OK;
    }

    /** The start is over: a signal from now on stops the daemon, and one that came during it interrupts nothing more. */
    private static void startedOrNot(AtomicReference<Thread> starting) {
        synchronized (starting) {
            starting.set(null);
            Thread.interrupted();
        }
    }

    /**
     * -log-level is for Adagio's own loggers; libraries (and the JDK, whose java.util.logging records
     * are bridged) stay at INFO or their configured level unless asked to be quieter than that.
     */
    private static void setLogLevel(String level) {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        var wanted = Level.toLevel(level, Level.INFO);
        if (LoggerFactory.getLogger("io.adagio") instanceof ch.qos.logback.classic.Logger adagio) {
            adagio.setLevel(wanted);
        }
        if (wanted.isGreaterOrEqual(Level.INFO)
                && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(wanted);
        }
    }
}
