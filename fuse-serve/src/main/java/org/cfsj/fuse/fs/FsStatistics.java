package org.cfsj.fuse.fs;

/** What statfs(2) shows; unsigned counts are raw 64-bit values. */
public record FsStatistics(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen,
        int frsize) {}
