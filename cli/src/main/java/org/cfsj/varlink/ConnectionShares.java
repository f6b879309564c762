package org.cfsj.varlink;

import java.util.HashMap;
import java.util.Map;

/**
 * How a {@link VarlinkServer}'s connection slots are shared out, so no user can lock the others
 * out: ordinary peers share {@link VarlinkLimits#maxConnections()} slots, each uid at most
 * {@link VarlinkLimits#maxConnectionsPerUid()} of them; privileged peers ({@link Admission#privileged})
 * have no per-uid cap and may also use {@link VarlinkLimits#reservedConnections()} slots beyond
 * the shared ones, which ordinary peers never reach.
 *
 * <p>Invariant: {@link #take} and {@link #release} are paired per connection; the per-uid counts
 * are exactly the connections taken and not yet released. Thread-safe.
 */
final class ConnectionShares {
    private final VarlinkLimits limits;
    private final Map<Integer, Integer> perUid = new HashMap<>();

    ConnectionShares(VarlinkLimits limits) {
        this.limits = limits;
    }

    /** Whether a new connection of {@code uid} may be served while {@code open} are; if so it is counted. */
    synchronized boolean take(int uid, boolean privileged, int open) {
        int mine = perUid.getOrDefault(uid, 0);
        boolean fits = privileged
                ? open < limits.maxConnections() + limits.reservedConnections()
                : open < limits.maxConnections() && mine < limits.maxConnectionsPerUid();
        if (fits) {
            perUid.put(uid, mine + 1);
        }
        return fits;
    }

    /** A connection of {@code uid} ended. */
    synchronized void release(int uid) {
        perUid.computeIfPresent(uid, (u, n) -> n <= 1 ? null : n - 1);
    }
}
