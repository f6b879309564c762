package org.cfsj.service;

import java.util.HashMap;
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
 * handle lives until it is closed or its connection ends, and then its repository is closed; a
 * connection holds at most {@link #MAX_PER_CONNECTION}.
 * Thread-safe: connections call concurrently.
 */
final class RepositoryHandles {
    /** Handles one connection may hold at once: each is an open repository (fds and memory). */
    static final int MAX_PER_CONNECTION = 64;

    private record Open(long connection, Repository repo) {}

    private final Map<Long, Open> open = new ConcurrentHashMap<>();
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();
    private final AtomicLong last = new AtomicLong();
    /** Open handles per connection id; an id is absent when its connection holds none. */
    private final Map<Long, Integer> counts = new HashMap<>();

    /**
     * Registers {@code repo} for {@code connection}; its new handle. A connection already holding
     * {@link #MAX_PER_CONNECTION} handles gets {@code InvalidSpec} naming the limit, and
     * {@code repo} is closed.
     */
    long add(VarlinkConnection connection, Repository repo) throws VarlinkError {
        synchronized (counts) {
            int mine = counts.getOrDefault(connection.id(), 0);
            if (mine >= MAX_PER_CONNECTION) {
                repo.close();
                throw ServiceErrors.invalidSpec("at most " + MAX_PER_CONNECTION
                        + " repository handles per connection: close one first");
            }
            counts.put(connection.id(), mine + 1);
        }
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
            uncount(connection.id(), 1);
            repo.close();
        }
    }

    /** How many handles are open (all connections). */
    int size() {
        return open.size();
    }

    private void uncount(long connection, int n) {
        synchronized (counts) {
            counts.computeIfPresent(connection, (c, m) -> m <= n ? null : m - n);
        }
    }

    private void closeAll(long connection) {
        watched.remove(connection);
        synchronized (counts) {
            counts.remove(connection);
        }
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
        synchronized (counts) {
            counts.clear();
        }
    }
}
