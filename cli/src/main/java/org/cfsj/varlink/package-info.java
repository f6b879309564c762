/**
 * The varlink protocol (varlink.org), the lowest layer of {@code cfsj serve}: NUL-terminated
 * JSON messages on a unix stream socket with file descriptors riding on them ({@code SCM_RIGHTS}),
 * calls and replies with {@code more}/{@code continues} and {@code oneway}, the interface
 * definition language ({@link org.cfsj.varlink.InterfaceDescription}), the
 * {@code org.varlink.service} interface, a server ({@link org.cfsj.varlink.VarlinkServer}, one
 * virtual thread per connection, systemd socket activation) and a client
 * ({@link org.cfsj.varlink.VarlinkClient}).
 *
 * <p>Owns: framing, limits against hostile clients ({@link org.cfsj.varlink.VarlinkLimits}),
 * parameter type checks against the IDL, routing calls to {@link org.cfsj.varlink.VarlinkInterface}
 * handlers and turning their outcomes into replies, admitting connections by their SO_PEERCRED
 * credentials ({@link org.cfsj.varlink.Admission}; each {@link org.cfsj.varlink.VarlinkConnection}
 * carries its pid, uid and gid). Does not own: any cfsj interface ({@code org.composefs.Repository}
 * and {@code org.composefs.Oci} are {@code org.cfsj.service}'s) nor the {@code cfsj serve} command.
 *
 * <p>Native calls (sockets, epoll) go through {@code org.cfsj.sys}; sockets are non-blocking and
 * waited for by one platform thread ({@link org.cfsj.varlink.Poller}), so connection threads can be
 * virtual without pinning their carriers in native code.
 */
package org.cfsj.varlink;
