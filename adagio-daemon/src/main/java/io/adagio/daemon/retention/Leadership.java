package io.adagio.daemon.retention;

import io.adagio.etcd.EtcdLeadership;
import java.time.Duration;

/** Whether this process is the one that does the housekeeping of its installation. */
public interface Leadership {
    /** Takes the lead if it is free; whether this process has it now. May ask the store. */
    boolean check();

    /** How often {@link #check()} should be called so that a dead leader is replaced soon. */
    Duration checkPeriod();

    /** Gives the lead up (when stopping). */
    void resign();

    /** A process alone with its state (the memory backend): it always leads. */
    static Leadership alone(Duration period) {
        return new Leadership() {
            @Override
            public boolean check() {
                return true;
            }

            @Override
            public Duration checkPeriod() {
                return period;
            }

            @Override
            public void resign() {}
        };
    }

    /** The etcd election among the API processes of a namespace. */
    static Leadership etcd(EtcdLeadership election) {
        return new Leadership() {
            @Override
            public boolean check() {
                return election.check();
            }

            @Override
            public Duration checkPeriod() {
                return election.checkPeriod();
            }

            @Override
            public void resign() {
                election.resign();
            }
        };
    }
}
