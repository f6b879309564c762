package org.cfsj.fuse;

import java.time.Duration;
import java.util.Objects;

/**
 * How to mount and serve.
 *
 * @param threads         worker threads, each with its own cloned /dev/fuse fd or io_uring
 * @param passthrough     ask the kernel for FUSE passthrough (root, Linux 6.9+)
 * @param allowSuidDev    honour setuid bits and device nodes (a container rootfs needs them)
 * @param fsName          the mount's source, shown in /proc/mounts
 * @param subtype         the mount type is "fuse." + subtype
 * @param transport       how requests travel: /dev/fuse, io_uring, or the better one available
 * @param metadataTimeout how long the kernel may cache names and attributes, instead of the
 *                        filesystem's own policy; null: the filesystem's (zero makes every
 *                        stat a request, for measuring the per-request cost)
 */
public record SessionOptions(int threads, boolean passthrough, boolean allowSuidDev, String fsName, String subtype,
        TransportChoice transport, Duration metadataTimeout) {
    /** Largest READ the kernel may send and hence the reply buffer's payload size: 1 MiB (256 pages). */
    public static final int MAX_READ = 1 << 20;
    public static final int MAX_PAGES = MAX_READ / 4096;

    public SessionOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        Objects.requireNonNull(transport, "transport");
        if (metadataTimeout != null && metadataTimeout.isNegative()) {
            throw new IllegalArgumentException("the metadata timeout cannot be negative");
        }
    }

    public static int defaultThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    public static SessionOptions defaults() {
        return new SessionOptions(defaultThreads(), false, false, "cfsj", "cfsj", TransportChoice.AUTO, null);
    }

    public SessionOptions withThreads(int n) {
        return new SessionOptions(n, passthrough, allowSuidDev, fsName, subtype, transport, metadataTimeout);
    }

    public SessionOptions withPassthrough(boolean p) {
        return new SessionOptions(threads, p, allowSuidDev, fsName, subtype, transport, metadataTimeout);
    }

    public SessionOptions withAllowSuidDev(boolean a) {
        return new SessionOptions(threads, passthrough, a, fsName, subtype, transport, metadataTimeout);
    }

    public SessionOptions withTransport(TransportChoice t) {
        return new SessionOptions(threads, passthrough, allowSuidDev, fsName, subtype, t, metadataTimeout);
    }

    public SessionOptions withMetadataTimeout(Duration d) {
        return new SessionOptions(threads, passthrough, allowSuidDev, fsName, subtype, transport, d);
    }
}
