package org.cfsj.varlink;

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
}
