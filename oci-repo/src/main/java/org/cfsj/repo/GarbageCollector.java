package org.cfsj.repo;

import java.io.IOException;
import java.util.List;

/**
 * Removes what no ref reaches. Roots: {@code streams/refs/**} and {@code images/refs/**}. From a
 * root, a stream keeps its object, its {@code object_refs} and {@code stream_refs} (followed
 * recursively when they are splitstreams; a named ref such as {@code composefs.image} may name
 * a plain object). Unreached objects, {@code streams/} and {@code images/} links to them, and
 * leftover temporary files are removed. Holds the repository lock exclusively.
 */
public final class GarbageCollector {
    /**
     * @param objectsRemoved objects deleted (or that would be, with dry run)
     * @param bytesFreed     their total size
     * @param linksRemoved   stream/image links removed
     * @param objectsKept    live objects
     * @param removed        descriptions of what was (or would be) removed
     */
    public record Report(long objectsRemoved, long bytesFreed, long linksRemoved, long objectsKept, List<String> removed) {}

    private GarbageCollector() {}

    public static Report run(Repository repo, boolean dryRun) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }
}
