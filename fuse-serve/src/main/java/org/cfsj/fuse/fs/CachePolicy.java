package org.cfsj.fuse.fs;

import java.time.Duration;

/**
 * How long the kernel may trust answers, and whether it may keep file and directory contents
 * cached across opens. An immutable filesystem can allow all of it for as long as it likes.
 *
 * @param entryTimeout    how long a name lookup stays valid
 * @param attrTimeout     how long attributes stay valid
 * @param negativeTimeout how long "no such name" stays valid (zero: not cached)
 * @param keepCache       keep the page cache of a file across opens (FOPEN_KEEP_CACHE)
 * @param cacheDir        cache directory listings (FOPEN_CACHE_DIR)
 */
public record CachePolicy(Duration entryTimeout, Duration attrTimeout, Duration negativeTimeout, boolean keepCache,
        boolean cacheDir) {
    /** For content that never changes while mounted. */
    public static CachePolicy immutable() {
        Duration long_ = Duration.ofDays(365);
        return new CachePolicy(long_, long_, long_, true, true);
    }
}
