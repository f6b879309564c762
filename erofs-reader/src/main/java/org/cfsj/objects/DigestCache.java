package org.cfsj.objects;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fs-verity digests computed in user space, per file, so that only the first open of an
 * object pays for reading it. The digest itself is kept (not a good/bad verdict), so a later open
 * that expects a different digest is still judged correctly, and a bad object fails fast.
 *
 * <p>Concurrent first requests for one file compute once: the first caller computes on its own
 * thread while the others wait for its result. A failed computation (I/O error) is not kept; the
 * next request tries again.
 *
 * <p>Memory is bounded by a cap on the number of entries (a few hundred bytes each): past it,
 * completed entries are dropped in no particular order, which only costs a recomputation. An LRU
 * would keep hot objects better; a composefs image rarely has more objects than the cap.
 */
final class DigestCache {
    /** Computes a digest; called at most once per key at a time. */
    @FunctionalInterface
    interface Computation {
        byte[] compute() throws IOException;
    }

    private final ConcurrentHashMap<FileIdentity, CompletableFuture<byte[]>> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final LongAdder computations = new LongAdder();

    DigestCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    /** The digest of {@code key}'s file: cached, awaited from a concurrent computation, or computed now. */
    byte[] digest(FileIdentity key, Computation computation) throws IOException {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> existing = entries.putIfAbsent(key, mine);
        if (existing != null) {
            return await(existing);
        }
        try {
            computations.increment();
            byte[] digest = computation.compute();
            mine.complete(digest);
            trim();
            return digest;
        } catch (IOException | RuntimeException | Error e) {
            entries.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** How many digests were computed (each successful or failed attempt counts). */
    long computations() {
        return computations.sum();
    }

    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
    }

    private static byte[] await(CompletableFuture<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for another thread to verify the object");
        } catch (ExecutionException e) {
            // The computing thread's exception, rethrown as is so its message and type survive.
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /** Drops completed entries until the cache is a quarter below its cap. */
    private void trim() {
        if (entries.size() <= maxEntries) {
            return;
        }
        int target = maxEntries - maxEntries / 4;
        for (Iterator<CompletableFuture<byte[]>> it = entries.values().iterator();
                it.hasNext() && entries.size() > target; ) {
            if (it.next().isDone()) {
                it.remove();
            }
        }
    }
}
