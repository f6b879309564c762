package org.cfsj.it.mutate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs cases one at a time on a worker thread and gives up on one that takes longer than the
 * bound. Java cannot kill a thread: a hung case is interrupted, and if it does not stop within a
 * grace period its thread is abandoned (a daemon) and a new worker takes the next case. The run
 * must stop once too many threads are abandoned, since each may hold memory and a core.
 */
final class Watchdog {
    static final int MAX_ABANDONED = 3;
    private static final long GRACE_MS = 2000;

    private final long timeoutMs;
    private final List<Thread> abandoned = new ArrayList<>();
    private ExecutorService worker;
    private volatile Thread current;

    Watchdog(long timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.worker = newWorker();
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mutation-case");
            t.setDaemon(true);
            return t;
        });
    }

    Outcome run(Callable<Outcome> task) {
        Future<Outcome> f = worker.submit(() -> {
            current = Thread.currentThread();
            return task.call();
        });
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return new Outcome.Failed("case", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (TimeoutException e) {
            Thread t = current;
            String stack = stackOf(t);
            f.cancel(true);
            try {
                f.get(GRACE_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException still) {
                abandoned.add(t);
                worker.shutdownNow();
                worker = newWorker();
            } catch (Exception ended) {
                // it stopped once interrupted; the worker can go on
            }
            return new Outcome.Hung(timeoutMs, stack);
        }
    }

    /**
     * Waits up to {@code millis} for abandoned threads to end: a hung case usually is slow, not
     * stuck, and ends (or dies of OutOfMemoryError) soon; meanwhile it holds heap the next cases need.
     */
    void awaitAbandoned(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        for (Thread t : abandoned) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            try {
                t.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Abandoned threads that are still running. */
    int stuck() {
        abandoned.removeIf(t -> !t.isAlive());
        return abandoned.size();
    }

    private static String stackOf(Thread t) {
        if (t == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 12); i++) {
            b.append("\n        at ").append(frames[i]);
        }
        return b.toString();
    }
}
