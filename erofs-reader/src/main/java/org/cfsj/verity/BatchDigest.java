package org.cfsj.verity;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * {@link FsVerity#digestAll} with several threads. Container images are mostly small files, and
 * one small file cannot be split among threads, so small files are hashed side by side, a bounded
 * window ahead of the one whose digest is delivered next; a large file waits for the window to
 * drain and is then split among all threads.
 */
final class BatchDigest {
    private static final int FILES_IN_FLIGHT_PER_THREAD = 8;

    private record Pending(Path file, Future<byte[]> digest) {}

    private BatchDigest() {}

    static void run(List<Path> files, FsVerityParams params, ExecutorService pool, int threads,
            FsVerity.DigestSink sink) throws IOException {
        Deque<Pending> window = new ArrayDeque<>();
        try {
            for (Path file : files) {
                BasicFileAttributes attrs = attributesOrNull(file);
                if (attrs != null && FsVerity.isLarge(attrs)) {
                    while (!window.isEmpty()) {
                        deliver(window.remove(), sink);
                    }
                    sink.accept(file, FsVerity.digest(file, attrs, params, pool, threads));
                    continue;
                }
                window.add(new Pending(file, pool.submit(() ->
                        // Checked again on the worker so that an error is thrown there, in order.
                        FsVerity.digest(file, FsVerity.readableFileAttributes(file), params, null, 1))));
                if (window.size() >= threads * FILES_IN_FLIGHT_PER_THREAD) {
                    deliver(window.remove(), sink);
                }
            }
            while (!window.isEmpty()) {
                deliver(window.remove(), sink);
            }
        } finally {
            window.forEach(p -> p.digest().cancel(false)); // after a failure: no more work
        }
    }

    private static void deliver(Pending p, FsVerity.DigestSink sink) throws IOException {
        sink.accept(p.file(), FileDigest.await(p.digest()));
    }

    /** Attributes of a file that can be hashed, or null: the worker will report the problem. */
    private static BasicFileAttributes attributesOrNull(Path file) {
        try {
            return FsVerity.readableFileAttributes(file);
        } catch (IOException e) {
            return null;
        }
    }
}
