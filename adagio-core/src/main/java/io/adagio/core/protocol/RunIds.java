package io.adagio.core.protocol;

import com.github.f4b6a3.ulid.UlidFactory;
import java.time.Instant;

/** Time-ordered run IDs (ULIDs): 26 characters, sortable by creation time. */
public final class RunIds {
    // Monotonic: IDs made within one millisecond still sort in creation order.
    private static final UlidFactory FACTORY = UlidFactory.newMonotonicInstance();

    private RunIds() {}

    public static String next(Instant createdAt) {
        return FACTORY.create(createdAt.toEpochMilli()).toString();
    }
}
