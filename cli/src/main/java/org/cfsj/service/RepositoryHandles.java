package org.cfsj.service;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cfsj.repo.Repository;
import org.cfsj.varlink.VarlinkConnection;
import org.cfsj.varlink.VarlinkError;

/**
 * The repositories clients have opened, by handle (cfsctl's opaque u64 handles).
 *
 * <p>Invariants: a handle is never reused (counted up from 1, 0 meaning none); it belongs to the
 * connection that opened it, and any other connection using it gets {@code InvalidHandle} as if
 * it did not exist, so one client cannot use or close another's handle even by guessing; a
 * handle lives until it is closed or its connection ends, and then its repository is closed.
 * Thread-safe: connections call concurrently.
 */
final class RepositoryHandles {
    private record Open(long connection, Repository repo) {}

    private final Map<Long, Open> open = new ConcurrentHashMap<>();
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();
    private final AtomicLong last = new AtomicLong();

    /** Registers {@code repo} for {@code connection}; its new handle. */
    long add(VarlinkConnection connection, Repository repo) {
        if (watched.add(connection.id())) {
            connection.onClose(() -> closeAll(connection.id()));
        }
        long handle = last.incrementAndGet();
        open.put(handle, new Open(connection.id(), repo));
        return handle;
    }

    /** The repository {@code handle} names on {@code connection}, or {@code iface.InvalidHandle}. */
    Repository get(VarlinkConnection connection, long handle, String iface) throws VarlinkError {
        Open o = open.get(handle);
        if (o == null || o.connection() != connection.id()) {
            throw ServiceErrors.invalidHandle(iface, handle);
        }
        return o.repo();
    }

    /** Closes {@code handle} of {@code connection}, or {@code InvalidHandle}. */
    void close(VarlinkConnection connection, long handle, String iface) throws VarlinkError {
        Repository repo = get(connection, handle, iface);
        if (open.remove(handle) != null) {
            repo.close();
        }
    }

    /** How many handles are open (all connections). */
    int size() {
        return open.size();
    }

    private void closeAll(long connection) {
        watched.remove(connection);
        open.entrySet().removeIf(e -> {
            if (e.getValue().connection() != connection) {
                return false;
            }
            e.getValue().repo().close();
            return true;
        });
    }

    /** Closes every handle of every connection (the service is stopping). */
    void closeEverything() {
        open.values().forEach(o -> o.repo().close());
        open.clear();
    }
}
