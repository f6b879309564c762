package org.cfsj.objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link DigestCache}: one computation per file at a time, failures not kept, bounded size. */
class DigestCacheTest {
    /** A computation can only throw IOException; a test's interrupt becomes one. */
    private static void await(CountDownLatch latch) throws IOException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException();
        }
    }

    private static FileIdentity id(String payload) {
        return new FileIdentity(payload, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void waitersShareTheOneComputation() throws Exception {
        DigestCache cache = new DigestCache(10);
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<byte[]>> results = new ArrayList<>();
            results.add(pool.submit(() -> cache.digest(id("a"), () -> {
                runs.incrementAndGet();
                computing.countDown();
                await(release);
                return new byte[] {42};
            })));
            computing.await();
            for (int i = 0; i < 3; i++) {
                results.add(pool.submit(() -> cache.digest(id("a"), () -> {
                    runs.incrementAndGet();
                    return new byte[] {0};
                })));
            }
            Thread.sleep(50); // let the waiters reach the pending entry
            release.countDown();
            for (Future<byte[]> f : results) {
                assertArrayEquals(new byte[] {42}, f.get(10, TimeUnit.SECONDS));
            }
        }
        assertEquals(1, runs.get());
        assertEquals(1, cache.computations());
    }

    @Test
    void aFailedComputationIsSharedWithWaitersButNotKept() throws Exception {
        DigestCache cache = new DigestCache(10);
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IOException failure = new IOException("disk on fire");
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<byte[]> first = pool.submit(() -> cache.digest(id("a"), () -> {
                computing.countDown();
                await(release);
                throw failure;
            }));
            computing.await();
            Future<byte[]> waiter = pool.submit(() -> cache.digest(id("a"), () -> new byte[] {1}));
            Thread.sleep(50);
            release.countDown();
            assertSame(failure, assertThrows(ExecutionException.class, first::get).getCause());
            // The waiter either shared the failure or, arriving after it was dropped, computed anew.
            try {
                assertArrayEquals(new byte[] {1}, waiter.get());
            } catch (ExecutionException e) {
                assertSame(failure, e.getCause());
            }
        }
        // Not kept: the next request computes (unless the waiter above already did and it is cached).
        long before = cache.computations();
        byte[] d = cache.digest(id("a"), () -> new byte[] {7});
        assertTrue(d[0] == 7 && cache.computations() == before + 1 || d[0] == 1 && cache.computations() == before,
                "digest " + d[0] + ", computations " + before + " -> " + cache.computations());
    }

    @Test
    void sizeStaysBounded() throws IOException {
        DigestCache cache = new DigestCache(8);
        for (int i = 0; i < 100; i++) {
            cache.digest(id("o" + i), () -> new byte[32]);
            assertTrue(cache.size() <= 8, "size " + cache.size());
        }
        assertEquals(100, cache.computations());
    }
}
