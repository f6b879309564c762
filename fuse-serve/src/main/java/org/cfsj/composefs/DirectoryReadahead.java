package org.cfsj.composefs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.fuse.fs.FsException;

/**
 * Readahead across the files of a directory. A reader that reads a directory's files one after
 * the other in listing order ({@code tar}, {@code cp -r}, a container's first scan of
 * {@code /usr}) costs one READ round trip per small file, because the kernel's readahead works
 * within a file only. When first reads arrive in listing order, the next files' data is put into
 * the kernel's page cache ahead of the reader (FUSE_NOTIFY_STORE, from a thread of its own), so
 * their reads are page-cache hits that never reach the server.
 *
 * <p>Like page-cache readahead, the window starts small (4 files) and doubles while the pattern
 * holds: a first read of the directory's first file, or of the file after the previous miss,
 * starts it; a first read just past (or inside) the pushed window means the reader consumed it,
 * and the next, larger window follows. Any other first read resets it, so random access (a
 * container starting a few binaries) pushes next to nothing.
 *
 * <p>Only files the kernel got from READDIRPLUS or LOOKUP are candidates: the kernel then holds
 * their inodes, which a store needs (with READDIRPLUS_AUTO, the kernel lists a large directory
 * partly with plain READDIR and looks the rest up). Sizes are capped ({@link #MAX_FILE}) so large files stay with the
 * kernel's own readahead. Pushed data comes from the same verified read path as a READ.
 *
 * <p>A window's files are pushed one after the other, but their data is asked for all at once
 * first ({@link Loader#prefetch}): with the page cache cold, the disk then reads the window's
 * files in parallel instead of one per round trip (measured in
 * bench/results/2026-11-21-run.md, fifth session).
 */
final class DirectoryReadahead {
    /** Files larger than this are left to the kernel's in-file readahead. */
    static final int MAX_FILE = 1 << 20;
    static final int INITIAL_WINDOW = 4;
    static final int MAX_WINDOW = 64;
    /** At most this many bytes are pushed per window. */
    static final long MAX_WINDOW_BYTES = 8L << 20;
    /** Windows waiting for the pusher; when it is this far behind, new ones are dropped. */
    private static final int QUEUE = 64;
    /**
     * Files tracked at most (about 100 bytes each): a walk over a million-file image must not
     * grow the server by 100 MB. When full, tracking starts over with what is listed next.
     */
    static final int MAX_TRACKED = 1 << 18;

    /** Reads a whole file (at most {@link #MAX_FILE} bytes) into {@code dst}; returns its length. */
    interface Loader {
        long load(long nid, MemorySegment dst) throws FsException;

        /** Starts reading file {@code nid}'s data from disk without waiting for it; best effort. */
        default void prefetch(long nid) {}
    }

    /** Where a file was listed: its directory and its dirent index there. */
    private record Position(long dir, long index) {}

    /** The candidate files of one directory in listing order, and the reader's progress through them. */
    private static final class Listing {
        long[] indexes = new long[8];
        long[] nids = new long[8];
        long[] sizes = new long[8];
        int count;
        int lastMiss = -2;
        int pushedTo = -1;
        int window = INITIAL_WINDOW;

        /** Adds a file in index order (listings append; lookups may come in any order); once only. */
        void add(long index, long nid, long size) {
            int at = count > 0 && index > indexes[count - 1] ? count : Arrays.binarySearch(indexes, 0, count, index);
            if (at >= 0 && at < count) {
                return; // known already (listed again, or looked up after being listed)
            }
            at = at < 0 ? -at - 1 : at;
            if (count == indexes.length) {
                indexes = Arrays.copyOf(indexes, count * 2);
                nids = Arrays.copyOf(nids, count * 2);
                sizes = Arrays.copyOf(sizes, count * 2);
            }
            System.arraycopy(indexes, at, indexes, at + 1, count - at);
            System.arraycopy(nids, at, nids, at + 1, count - at);
            System.arraycopy(sizes, at, sizes, at + 1, count - at);
            indexes[at] = index;
            nids[at] = nid;
            sizes[at] = size;
            count++;
            // a file inserted before the reader's position shifts the positions after it
            if (at <= lastMiss) {
                lastMiss++;
            }
            if (at <= pushedTo) {
                pushedTo++;
            }
        }
    }

    private final Loader loader;
    /** False with passthrough: the kernel reads the objects itself, so windows are only prefetched. */
    private final boolean pushData;
    private final NodeIds ids;
    private final int maxTracked;
    private final Map<Long, Position> positions = new HashMap<>(); // guarded by this
    private final Map<Long, Listing> listings = new HashMap<>(); // guarded by this
    private final BlockingQueue<long[]> queue = new ArrayBlockingQueue<>(QUEUE);
    private final LongAdder pushed = new LongAdder();
    private volatile FsContext context;
    private Thread pusher;

    DirectoryReadahead(Loader loader, NodeIds ids) {
        this(loader, ids, MAX_TRACKED, true);
    }

    /**
     * @param pushData false: only prefetch each window's data from disk (with passthrough, where
     *                 the kernel reads the objects and the "first read" is the file's OPEN)
     */
    DirectoryReadahead(Loader loader, NodeIds ids, int maxTracked, boolean pushData) {
        this.loader = loader;
        this.pushData = pushData;
        this.ids = ids;
        this.maxTracked = maxTracked;
    }

    /** Starts the pushing thread; without a call to this, nothing is ever pushed. */
    synchronized void start(FsContext context) {
        this.context = context;
        pusher = Thread.ofPlatform().name("cfsj-readahead").daemon(true).start(this::pushLoop);
    }

    /** Stops the pushing thread and waits (briefly) for it: what it reads from is closed next. */
    void stop() {
        Thread t;
        synchronized (this) {
            t = pusher;
            pusher = null;
            queue.clear();
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Files whose data was put into the kernel's page cache. */
    long pushed() {
        return pushed.sum();
    }

    /** READDIRPLUS or LOOKUP gave the kernel regular file {@code nid} of {@code size} bytes, entry {@code index} of {@code dir}. */
    synchronized void listed(long dir, long index, long nid, long size) {
        if (size <= 0 || size > MAX_FILE) {
            return;
        }
        if (positions.size() >= maxTracked && !positions.containsKey(nid)) {
            positions.clear(); // start over: the directories being read now matter, not old ones
            listings.clear();
        }
        positions.put(nid, new Position(dir, index));
        listings.computeIfAbsent(dir, d -> new Listing()).add(index, nid, size);
    }

    /** The kernel forgot {@code nid}: it can no longer take stores for it, nor list it as a directory. */
    synchronized void forget(long nid) {
        positions.remove(nid);
        listings.remove(nid);
    }

    /**
     * A READ at offset 0 of {@code nid} reached the server (the reader missed the page cache
     * there), or, when only prefetching, the file was opened.
     */
    void firstRead(long nid) {
        if (context == null) {
            return;
        }
        long[] window = plan(nid);
        if (window.length > 0) {
            queue.offer(window); // dropped when the pusher is far behind: the reader's own requests catch up
        }
    }

    /** Advances the directory's window for a miss at {@code nid}; returns the files to push. */
    synchronized long[] plan(long nid) {
        Position p = positions.get(nid);
        Listing l = p == null ? null : listings.get(p.dir());
        if (l == null) {
            return new long[0];
        }
        int pos = Arrays.binarySearch(l.indexes, 0, l.count, p.index());
        if (pos < 0) {
            return new long[0];
        }
        // In order: the neighbour of the last miss, or the reader caught up with / consumed the window.
        boolean sequential = pos == l.lastMiss + 1 || (pos > l.lastMiss && pos <= l.pushedTo + 1);
        l.lastMiss = pos;
        if (!sequential) {
            l.window = INITIAL_WINDOW;
            return new long[0];
        }
        int from = Math.max(pos + 1, l.pushedTo + 1);
        int to = Math.min(l.count - 1, pos + l.window);
        long bytes = 0;
        int end = from;
        while (end <= to && bytes < MAX_WINDOW_BYTES) {
            bytes += l.sizes[end++];
        }
        l.pushedTo = Math.max(l.pushedTo, end - 1);
        l.window = Math.min(l.window * 2, MAX_WINDOW);
        return Arrays.copyOfRange(l.nids, from, Math.max(from, end));
    }

    private void pushLoop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(MAX_FILE, 4096);
            while (!Thread.currentThread().isInterrupted()) {
                long[] window = queue.take();
                for (int i = pushData ? 1 : 0; i < window.length; i++) {
                    loader.prefetch(window[i]); // when pushing, the first is read right away
                }
                for (int i = 0; pushData && i < window.length; i++) {
                    push(window[i], buffer);
                }
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    private void push(long nid, MemorySegment buffer) {
        long length;
        try {
            length = loader.load(nid, buffer);
        } catch (FsException | RuntimeException e) {
            return; // the reader's own READ will meet (and report) the same problem
        }
        if (length > 0 && context.storeData(ids.nodeId(nid), 0, buffer.asSlice(0, length))) {
            pushed.increment();
        }
    }
}
