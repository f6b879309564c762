package org.cfsj.fuse;

/**
 * How to mount and serve.
 *
 * @param threads      worker threads, each with its own cloned /dev/fuse fd
 * @param passthrough  ask the kernel for FUSE passthrough (root, Linux 6.9+)
 * @param allowSuidDev honour setuid bits and device nodes (a container rootfs needs them)
 * @param fsName       the mount's source, shown in /proc/mounts
 * @param subtype      the mount type is "fuse." + subtype
 */
public record SessionOptions(int threads, boolean passthrough, boolean allowSuidDev, String fsName, String subtype) {
    /** Largest READ the kernel may send and hence the reply buffer's payload size: 1 MiB (256 pages). */
    public static final int MAX_READ = 1 << 20;
    public static final int MAX_PAGES = MAX_READ / 4096;

    public SessionOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
    }

    public static int defaultThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    public static SessionOptions defaults() {
        return new SessionOptions(defaultThreads(), false, false, "cfsj", "cfsj");
    }

    public SessionOptions withThreads(int n) {
        return new SessionOptions(n, passthrough, allowSuidDev, fsName, subtype);
    }

    public SessionOptions withPassthrough(boolean p) {
        return new SessionOptions(threads, p, allowSuidDev, fsName, subtype);
    }

    public SessionOptions withAllowSuidDev(boolean a) {
        return new SessionOptions(threads, passthrough, a, fsName, subtype);
    }
}
