package org.cfsj.varlink;

import org.cfsj.sys.Sockets;

/**
 * The client connection a call came on, for state that lives as long as the connection does
 * (cfsctl's repository handles belong to the connection that opened them).
 */
public interface VarlinkConnection {
    /** Who connected: pid, uid and gid as the kernel recorded them at {@code connect}. */
    Sockets.PeerCredentials peer();

    /** Unique among the connections of one server. */
    long id();

    /** Runs {@code action} on the connection's thread once the connection has ended, whichever way. */
    void onClose(Runnable action);
}
