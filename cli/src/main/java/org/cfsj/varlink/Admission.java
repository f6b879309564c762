package org.cfsj.varlink;

import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;

/**
 * Who a {@link VarlinkServer} serves, decided once per connection from the peer credentials the
 * kernel recorded at {@code connect}. A connection that is not admitted gets
 * {@code org.varlink.service.PermissionDenied} in answer to its first message and is closed; no
 * call of it reaches an interface.
 */
@FunctionalInterface
public interface Admission {
    /** Serves everyone who can open the socket (its file mode is then the only gate). */
    Admission ALL = peer -> true;

    boolean admits(Sockets.PeerCredentials peer);

    /**
     * Whether {@code peer} is exempt from the per-uid connection cap and may use the reserved
     * slots ({@link VarlinkLimits#reservedConnections()}): root and the service's own user, so an
     * administrator can always reach a service others have crowded.
     */
    default boolean privileged(Sockets.PeerCredentials peer) {
        return peer.uid() == 0 || peer.uid() == Processes.geteuid();
    }
}
