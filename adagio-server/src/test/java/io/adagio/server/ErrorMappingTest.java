package io.adagio.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpStatus;
import io.adagio.core.repository.RepositoryException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The store's troubles, each mapped by its type: passing ones to UNAVAILABLE, lasting ones with a clear message. */
class ErrorMappingTest {

    @Test
    void theStoresPassingTroublesAreUnavailable() {
        for (var e : new RepositoryException[] {
            new RepositoryException.Unavailable("etcd is unreachable"),
            new RepositoryException.Contention("gave up after 12 conflicting attempts")
        }) {
            var status = ErrorMapping.toStatus(e);
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).isEqualTo(e.getMessage());
            assertThat(ErrorMapping.toHttpStatus(status)).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        }
    }

    @Test
    void dataTheServerCannotReadIsAnInternalErrorThatSaysSo() {
        var status = ErrorMapping.toStatus(new RepositoryException.StorageFormat(
                "etcd key adagio/runs/x was written in storage format 9 by a newer Adagio"));
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription())
                .contains("cannot read")
                .contains("adagio/runs/x")
                .contains("format 9");
        assertThat(ErrorMapping.toHttpStatus(status)).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
    }

    @Test
    void credentialsTheStoreRefusedAreUnavailableAndSaySo() {
        var status = ErrorMapping.toStatus(new RepositoryException.AccessDenied(
                "etcd authentication failed at http://127.0.0.1:2379 (user \"adagio\")", null));
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription())
                .contains("refused this server's credentials")
                .contains("user \"adagio\"");
    }

    @Test
    void aFullStoreIsResourceExhaustedWithItsAdvice() {
        var status = ErrorMapping.toStatus(
                new RepositoryException.StorageFull("etcd's database is full: delete runs", null));
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).isEqualTo("etcd's database is full: delete runs");
    }

    @Test
    void anOperationTheRunsStateDoesNotAllowIsAConflict() {
        var status = ErrorMapping.toStatus(new RepositoryException.FailedPrecondition(
                "run \"01J\" is still running: only a completed run can be rerun"));
        assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status.getDescription()).contains("still running");
        assertThat(ErrorMapping.toHttpStatus(status)).isEqualTo(HttpStatus.CONFLICT);
    }
}
