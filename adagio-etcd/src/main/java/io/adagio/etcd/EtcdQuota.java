package io.adagio.etcd;

import io.adagio.core.model.StorageUsage;
import io.adagio.core.repository.RepositoryException;
import io.etcd.jetcd.impl.AbstractResponse;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads how full etcd is: each member's database size (and the part of it in use) from its
 * maintenance status, and whether the NOSPACE alarm is raised. etcd's status does not tell its
 * quota ({@code --quota-backend-bytes}), so the quota is configured here to match it (etcd's
 * default is 2 GiB).
 */
public final class EtcdQuota {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdQuota.class);
    /** etcd's quota when --quota-backend-bytes is not set. */
    public static final long ETCD_DEFAULT_QUOTA = 2L * 1024 * 1024 * 1024;
    /**
     * jetcd 0.8 does not expose dbSizeInUse, and its copy of etcd's rpc.proto predates the field
     * (number 9 of StatusResponse, etcd 3.4 on): it arrives among the wrapped message's unknown fields.
     */
    private static final int DB_SIZE_IN_USE_FIELD = 9;

    private static final Method RAW_RESPONSE = rawResponseAccessor();

    private final EtcdCalls calls;
    private final long quotaBytes;
    private volatile boolean alarmsRefusedLogged;

    EtcdQuota(EtcdCalls calls, long quotaBytes) {
        this.calls = calls;
        this.quotaBytes = quotaBytes;
    }

    /**
     * One status request per member and one alarm list.
     *
     * @throws RepositoryException when no member answers
     */
    public StorageUsage read() {
        var maintenance = calls.client().getMaintenanceClient();
        long size = -1;
        long inUse = -1;
        RepositoryException failure = null;
        for (var address : calls.settings().addresses()) {
            try {
                var status = calls.await(maintenance.statusMember(address));
                size = Math.max(size, status.getDbSize());
                inUse = Math.max(inUse, inUse(status));
            } catch (RepositoryException e) {
                failure = e;
            }
        }
        if (size < 0) {
            throw failure != null ? failure : new RepositoryException.Unavailable("no etcd member answered");
        }
        return new StorageUsage(size, inUse, quotaBytes, noSpaceAlarm());
    }

    private boolean noSpaceAlarm() {
        try {
            return calls.await(calls.client().getMaintenanceClient().listAlarms()).getAlarms().stream()
                    .anyMatch(a -> a.getAlarmType() == AlarmType.NOSPACE);
        } catch (RepositoryException.AccessDenied e) {
            // Listing alarms needs etcd's root role where authentication is on.
            if (!alarmsRefusedLogged) {
                alarmsRefusedLogged = true;
                LOG.info(
                        "etcd does not let this user list its alarms ({}); NOSPACE is seen on refused writes only",
                        e.getMessage());
            }
            return false;
        }
    }

    private static long inUse(StatusResponse status) {
        if (RAW_RESPONSE == null) {
            return -1;
        }
        try {
            var raw = (io.etcd.jetcd.api.StatusResponse) RAW_RESPONSE.invoke(status);
            var field = raw.getUnknownFields().getField(DB_SIZE_IN_USE_FIELD);
            return field == null || field.getVarintList().isEmpty()
                    ? -1
                    : field.getVarintList().getLast();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    private static Method rawResponseAccessor() {
        try {
            var m = AbstractResponse.class.getDeclaredMethod("getResponse");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
