package org.cfsj.scan;

import java.nio.file.Path;

/**
 * How {@link DirectoryScanner} turns a directory into a tree.
 *
 * @param inlineLimit regular files of 1..inlineLimit bytes keep their content in the tree (the
 *                    image); larger ones become external objects named by their fs-verity digest.
 *                    Default {@value #DEFAULT_INLINE_LIMIT} (composefs's
 *                    LCFS_RECOMMENDED_INLINE_CONTENT_MAX), at most {@value #MAX_INLINE_LIMIT}.
 * @param threads     threads computing digests (and filling the digest store), at least 1
 * @param digestStore if not null, every external file's content is copied to
 *                    {@code digestStore/xx/rest-of-digest} (as {@code mkcomposefs --digest-store})
 * @param readXattrs  whether to record extended attributes (all namespaces)
 */
public record ScanOptions(int inlineLimit, int threads, Path digestStore, boolean readXattrs) {
    public static final int DEFAULT_INLINE_LIMIT = 64;
    /** composefs's LCFS_INLINE_CONTENT_MAX: the writer refuses larger inline content. */
    public static final int MAX_INLINE_LIMIT = 5000;

    public ScanOptions {
        if (inlineLimit < 0 || inlineLimit > MAX_INLINE_LIMIT) {
            throw new IllegalArgumentException("inline limit must be 0.." + MAX_INLINE_LIMIT + ", got " + inlineLimit);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /** Inline limit 64, one thread per processor, no digest store, xattrs read. */
    public static ScanOptions defaults() {
        return new ScanOptions(DEFAULT_INLINE_LIMIT, Runtime.getRuntime().availableProcessors(), null, true);
    }

    public ScanOptions withInlineLimit(int limit) {
        return new ScanOptions(limit, threads, digestStore, readXattrs);
    }

    public ScanOptions withThreads(int n) {
        return new ScanOptions(inlineLimit, n, digestStore, readXattrs);
    }

    public ScanOptions withDigestStore(Path store) {
        return new ScanOptions(inlineLimit, threads, store, readXattrs);
    }

    public ScanOptions withReadXattrs(boolean read) {
        return new ScanOptions(inlineLimit, threads, digestStore, read);
    }
}
