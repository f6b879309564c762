package org.cfsj.fuse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.cfsj.sys.IoUring;
import org.cfsj.sys.SysException;

/**
 * FUSE over io_uring (Linux 6.14+): requests arrive in ring entries registered per queue, and
 * each answer is committed with the command that fetches the entry's next request.
 *
 * <p>What the kernel requires (fs/fuse/dev_uring.c): it has one queue per possible CPU and
 * files a request in the queue of the CPU its caller runs on; it switches from /dev/fuse to the
 * ring only once every queue has a registered entry, and until then, once INIT granted
 * FUSE_OVER_IO_URING, it holds new requests back. REGISTER needs the connection initialised
 * (the INIT reply written), 128-byte submission entries, a header buffer of at least 288 bytes
 * and a payload buffer of at least the largest request (max_write, max_pages). FORGET and
 * INTERRUPT still come through /dev/fuse, as notifications still go to it, so one
 * {@link DeviceTransport} worker serves beside the ring. A failed REGISTER turns the ring off for
 * the connection, which then goes on through /dev/fuse.
 *
 * <p>Here: {@code threads} workers, each with its own ring; each registers one entry on every
 * queue (so any worker serves any CPU) while that makes at most {@value #MAX_ENTRIES} entries,
 * else the queues are dealt out among the workers. The rings and buffers are made in
 * {@link #prepare} before the INIT reply, so that a kernel that refuses io_uring is known before
 * the server promises to use it.
 */
final class RingTransport implements Transport {
    /** Above this many entries (threads x CPUs), each queue is served by one worker only. */
    static final int MAX_ENTRIES = 64;
    private static final Path POSSIBLE_CPUS = Path.of("/sys/devices/system/cpu/possible");
    private static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");

    private final int sessionFd;
    private final List<IoUring> rings;
    private final List<Arena> arenas;
    private final List<RingEntry[]> entries;
    private final DeviceTransport companion;
    private final List<RingWorker> workers = new ArrayList<>();

    private RingTransport(int sessionFd, List<IoUring> rings, List<Arena> arenas, List<RingEntry[]> entries) {
        this.sessionFd = sessionFd;
        this.rings = rings;
        this.arenas = arenas;
        this.entries = entries;
        this.companion = new DeviceTransport(sessionFd, 1);
    }

    /** Why the kernel did not offer FUSE_OVER_IO_URING in INIT, in words a user can act on. */
    static String whyNotOffered() {
        if (!Files.exists(ENABLE_URING)) {
            return "this kernel has no FUSE over io_uring (needs Linux 6.14+ with CONFIG_FUSE_IO_URING)";
        }
        try {
            if (Files.readString(ENABLE_URING).strip().equals("N")) {
                return "the fuse module's enable_uring parameter is N (as root: echo Y > " + ENABLE_URING + ")";
            }
        } catch (IOException e) {
            // unreadable: say what the kernel did
        }
        return "the kernel did not offer FUSE_OVER_IO_URING in INIT";
    }

    /** The kernel's number of queues: the possible CPUs (as in {@code 0-3}, {@code 0,2-5}), i.e. the highest one + 1. */
    static int queues(String possible) {
        int highest = -1;
        for (String part : possible.strip().split(",")) {
            String last = part.substring(part.indexOf('-') + 1);
            highest = Math.max(highest, Integer.parseInt(last.strip()));
        }
        if (highest < 0 || highest >= 4096) {
            throw new IllegalArgumentException("possible CPUs: " + possible);
        }
        return highest + 1;
    }

    /** Which queues each of {@code threads} workers registers an entry on (every queue is someone's). */
    static List<List<Integer>> assignment(int threads, int queues) {
        List<List<Integer>> out = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            out.add(new ArrayList<>());
        }
        if ((long) threads * queues <= MAX_ENTRIES) {
            for (List<Integer> mine : out) {
                for (int q = 0; q < queues; q++) {
                    mine.add(q);
                }
            }
        } else {
            for (int i = 0; i < Math.max(threads, queues); i++) {
                List<Integer> mine = out.get(i % threads);
                if (!mine.contains(i % queues)) {
                    mine.add(i % queues);
                }
            }
        }
        return out;
    }

    /** Makes the rings and entries of {@code threads} workers; nothing is left on failure. */
    static RingTransport prepare(int sessionFd, int threads, int payloadSize) throws IOException {
        int queues;
        try {
            queues = queues(Files.readString(POSSIBLE_CPUS));
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot tell the possible CPUs from " + POSSIBLE_CPUS + ": " + e.getMessage());
        }
        List<IoUring> rings = new ArrayList<>();
        List<Arena> arenas = new ArrayList<>();
        List<RingEntry[]> entries = new ArrayList<>();
        try {
            for (List<Integer> mine : assignment(threads, queues)) {
                Arena arena = Arena.ofShared();
                arenas.add(arena);
                rings.add(IoUring.open(mine.size(), true));
                RingEntry[] es = new RingEntry[mine.size()];
                for (int i = 0; i < es.length; i++) {
                    es[i] = new RingEntry(i, mine.get(i), payloadSize, arena);
                }
                entries.add(es);
            }
        } catch (SysException | RuntimeException e) {
            rings.forEach(IoUring::close);
            arenas.forEach(Arena::close);
            throw new IOException("setting up io_uring: " + e.getMessage(), e);
        }
        return new RingTransport(sessionFd, rings, arenas, entries);
    }

    @Override
    public String name() {
        return "io_uring";
    }

    /**
     * Starts the workers and waits until each has registered its entries; then the companion
     * /dev/fuse worker. Throws, with the kernel's reason, if an entry was refused: the workers
     * whose entries were taken then wait for the end of the connection, and the caller serves
     * through /dev/fuse (the kernel has gone back to it).
     */
    @Override
    public void start(Session session, Function<Reply, Dispatcher> dispatchers, List<Thread> threads) throws IOException {
        for (int i = 0; i < rings.size(); i++) {
            RingWorker w = new RingWorker(session, rings.get(i), arenas.get(i), sessionFd, entries.get(i), dispatchers);
            workers.add(w);
            Thread t = Thread.ofPlatform().name("cfsj-fuse-ring-" + i).daemon(true).unstarted(w);
            threads.add(t);
            t.start();
        }
        for (RingWorker w : workers) {
            String failure;
            try {
                failure = w.registered.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while registering io_uring entries");
            } catch (ExecutionException | TimeoutException e) {
                failure = "registering the io_uring entries did not finish";
            }
            if (failure != null) {
                throw new IOException(failure);
            }
        }
        companion.start(session, dispatchers, threads);
    }

    /** Entries registered in all (for the log). */
    int entryCount() {
        return entries.stream().mapToInt(e -> e.length).sum();
    }

    @Override
    public void close() {
        companion.close();
        if (workers.isEmpty()) {
            // never started: nothing of it reached the kernel
            rings.forEach(IoUring::close);
            arenas.forEach(Arena::close);
        }
        // else each worker closes its own ring and, once the kernel can no longer use them, its buffers
    }
}
