package org.cfsj.verity;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * {@link FsVerity#digestAll} with several threads. Container images are mostly small files, and
 * one small file cannot be split among threads, so small files are hashed side by side: runs of
 * consecutive small files form a group (handing each tiny file to another thread alone would cost
 * more in thread wake-ups than hashing it), groups are hashed by the pool a bounded window ahead of
 * the one whose digests are delivered next. A large file waits for the window to drain and is then
 * split among all threads.
 */
final class BatchDigest {
    /** A group is closed at this many bytes or files, whichever comes first. */
    private static final long GROUP_BYTES = 1024 * 1024;
    private static final int GROUP_FILES = 64;
    private static final int GROUPS_IN_FLIGHT_PER_THREAD = 3;

    /** Digests of a group's files, in order, up to the first that failed (then its exception). */
    private record GroupResult(List<byte[]> digests, IOException failure) {}

    private record Pending(List<Path> files, Future<GroupResult> result) {}

    private BatchDigest() {}

    static void run(List<Path> files, FsVerityParams params, ExecutorService pool, int threads,
            FsVerity.DigestSink sink) throws IOException {
        Deque<Pending> window = new ArrayDeque<>();
        try {
            List<Path> group = new ArrayList<>();
            long groupBytes = 0;
            for (Path file : files) {
                BasicFileAttributes attrs = attributesOrNull(file);
                if (attrs != null && FsVerity.isLarge(attrs)) {
                    submit(group, params, pool, window);
                    group = new ArrayList<>();
                    groupBytes = 0;
                    while (!window.isEmpty()) {
                        deliver(window.remove(), sink);
                    }
                    sink.accept(file, FsVerity.digest(file, attrs, params, pool, threads));
                    continue;
                }
                group.add(file);
                groupBytes += attrs == null ? 0 : attrs.size();
                if (groupBytes >= GROUP_BYTES || group.size() >= GROUP_FILES) {
                    submit(group, params, pool, window);
                    group = new ArrayList<>();
                    groupBytes = 0;
                    if (window.size() >= threads * GROUPS_IN_FLIGHT_PER_THREAD) {
                        deliver(window.remove(), sink);
                    }
                }
            }
            submit(group, params, pool, window);
            while (!window.isEmpty()) {
                deliver(window.remove(), sink);
            }
        } finally {
            window.forEach(p -> p.result().cancel(false)); // after a failure: no more work
        }
    }

    private static void submit(List<Path> group, FsVerityParams params, ExecutorService pool, Deque<Pending> window) {
        if (!group.isEmpty()) {
            window.add(new Pending(group, pool.submit(() -> digestGroup(group, params))));
        }
    }

    private static GroupResult digestGroup(List<Path> group, FsVerityParams params) {
        List<byte[]> digests = new ArrayList<>(group.size());
        for (Path file : group) {
            try {
                // Checked again here so that a problem is reported in file order.
                digests.add(FsVerity.digest(file, FsVerity.readableFileAttributes(file), params, null, 1));
            } catch (IOException e) {
                return new GroupResult(digests, e);
            }
        }
        return new GroupResult(digests, null);
    }

    private static void deliver(Pending p, FsVerity.DigestSink sink) throws IOException {
        GroupResult r = FileDigest.await(p.result());
        for (int i = 0; i < r.digests().size(); i++) {
            sink.accept(p.files().get(i), r.digests().get(i));
        }
        if (r.failure() != null) {
            throw r.failure();
        }
    }

    /** Attributes of a file that can be hashed, or null: hashing it will report the problem. */
    private static BasicFileAttributes attributesOrNull(Path file) {
        try {
            return FsVerity.readableFileAttributes(file);
        } catch (IOException e) {
            return null;
        }
    }
}
