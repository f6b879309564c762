package org.cfsj.varlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cfsj.sys.Epoll;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.SysException;

/**
 * A varlink service on a unix stream socket: accepts connections and serves each on its own
 * virtual thread through one {@link Dispatcher} ({@code org.varlink.service} plus the interfaces
 * given). Connections are shared out by {@link ConnectionShares}: at most
 * {@link VarlinkLimits#maxConnections()} for ordinary peers and {@link VarlinkLimits#maxConnectionsPerUid()}
 * for any one of them, plus a reserve for privileged peers; a connection beyond its share is closed
 * as soon as it is accepted.
 *
 * <p>Each connection is first put to the {@link Admission} given (everyone, by default).
 *
 * <p>The listening socket is either bound here ({@link #listen}, mode 0600 or 0660, in a directory
 * only the service's user may change; removed again by {@link #close} if the path still names that
 * socket) or inherited ({@link #serve(SocketActivation)}); an inherited fd that is already
 * a connection (varlinkctl's {@code exec:} transport) is served as the one connection.
 * {@link #close} stops accepting, shuts every connection down and waits for their threads.
 */
public final class VarlinkServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VarlinkServer.class.getName());
    private static final int BACKLOG = 128;

    private final Dispatcher dispatcher;
    private final VarlinkLimits limits;
    private final Json json;
    private final Admission admission;
    private final Poller poller = Poller.shared();
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong served = new AtomicLong();
    private final ConnectionShares shares;
    private volatile boolean closed;
    private int listener = -1;
    private Path boundPath;
    private SocketFile bound;
    private Thread acceptor;

    public VarlinkServer(ServiceInfo info, List<VarlinkInterface> interfaces, VarlinkLimits limits) {
        this(info, interfaces, limits, Admission.ALL);
    }

    public VarlinkServer(ServiceInfo info, List<VarlinkInterface> interfaces, VarlinkLimits limits, Admission admission) {
        this.dispatcher = new Dispatcher(info, interfaces);
        this.limits = limits;
        this.json = new Json(limits);
        this.admission = admission;
        this.shares = new ConnectionShares(limits);
    }

    /** Binds a new socket at {@code path}, mode 0600, and starts accepting; see {@link #listen(Path, String)}. */
    public synchronized void listen(Path path) throws IOException {
        listen(path, null);
    }

    /**
     * Binds a socket and starts accepting: mode 0600, or 0660 owned by {@code group} when one is
     * named. The socket is bound in a new private (0700) directory next to {@code path}, given its
     * mode and group there and only then renamed to {@code path} (replacing what is there), so no
     * client can connect before its permissions are final.
     */
    public synchronized void listen(Path path, String group) throws IOException {
        requireIdle();
        Path abs = path.toAbsolutePath();
        SocketFile.requireSafeParent(abs);
        Path staging = Files.createTempDirectory(abs.getParent(), ".varlink-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = staging.resolve("s");
        int fd = -1;
        try {
            fd = Sockets.listen(staged.toString(), BACKLOG);
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----"));
            if (group != null) {
                GroupPrincipal g = abs.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                Files.getFileAttributeView(staged, PosixFileAttributeView.class).setGroup(g);
            }
            bound = SocketFile.identify(staged);
            Files.move(staged, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            if (fd >= 0) {
                FileCalls.close(fd);
            }
            Files.deleteIfExists(staged);
            throw e;
        } finally {
            Files.deleteIfExists(staging);
        }
        boundPath = abs;
        startAccepting(fd);
    }

    /** Serves the first socket systemd passed: a listener, or one already connected client. */
    public synchronized void serve(SocketActivation activation) throws IOException {
        requireIdle();
        int fd = activation.fds().getFirst();
        Sockets.setNonBlocking(fd, "inherited socket " + fd);
        if (Sockets.isListening(fd)) {
            startAccepting(fd);
        } else {
            listener = -2; // nothing to accept from, but the server is in use
            startConnection(fd);
        }
    }

    private void requireIdle() {
        if (closed || listener != -1) {
            throw new IllegalStateException("a varlink server serves one socket");
        }
    }

    private void startAccepting(int fd) {
        listener = fd;
        acceptor = Thread.ofVirtual().name("varlink-accept").start(() -> acceptLoop(fd));
    }

    private void acceptLoop(int fd) {
        try (Poller.Registration reg = poller.register(fd)) {
            while (!closed) {
                int c;
                try {
                    c = Sockets.accept(fd);
                } catch (SysException e) {
                    if (e.errno() == Errno.EINTR || closed) {
                        continue;
                    }
                    // out of fds or memory: say so, and give the running connections time to end
                    LOG.log(System.Logger.Level.WARNING, "varlink accept: " + e.getMessage());
                    Thread.sleep(100);
                    continue;
                }
                if (c < 0) {
                    reg.await(Epoll.EPOLLIN);
                } else {
                    startConnection(c);
                }
            }
        } catch (IOException | InterruptedException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "varlink server stopped accepting: " + e);
            }
        }
    }

    private void startConnection(int fd) {
        Sockets.PeerCredentials peer;
        try {
            peer = Sockets.peerCredentials(fd);
        } catch (SysException e) {
            // not a unix socket, or already reset: nobody to serve
            FileCalls.close(fd);
            return;
        }
        boolean admitted;
        boolean privileged;
        try {
            admitted = admission.admits(peer);
            privileged = admission.privileged(peer);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "varlink admission check failed, connection refused: " + e);
            admitted = false;
            privileged = false;
        }
        if (!shares.take(peer.uid(), privileged, connections.size())) {
            FileCalls.close(fd);
            return;
        }
        long id = served.incrementAndGet();
        ServerConnection conn = new ServerConnection(id, peer, new MessageSocket(fd, limits, poller), dispatcher, json,
                admitted);
        connections.add(conn);
        Thread t = Thread.ofVirtual().name("varlink-conn-" + id).unstarted(() -> {
            try {
                conn.serve();
            } finally {
                connections.remove(conn);
                shares.release(peer.uid());
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(t);
        t.start();
    }

    /** Connections being served now. */
    public int connectionCount() {
        return connections.size();
    }

    @Override
    public void close() throws IOException {
        Thread a;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            a = acceptor;
        }
        if (listener >= 0) {
            Sockets.shutdown(listener); // wakes the accept loop, which sees closed
        }
        try {
            if (a != null) {
                a.join();
            }
            connections.forEach(ServerConnection::shutdown);
            for (Thread t : List.copyOf(threads)) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (listener >= 0) {
                FileCalls.close(listener);
            }
            if (boundPath != null) {
                bound.removeIfStillAt(boundPath);
            }
        }
    }
}
