package org.cfsj.fuse.fs;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A read-only filesystem as the FUSE session serves it: node ids in, attributes, names and bytes
 * out. It knows nothing of opcodes or struct layouts; the session decodes requests, calls these
 * methods and encodes the replies (adding an opcode touches the session, not implementations).
 *
 * <p>Node ids are chosen by the filesystem ({@link Entry#nodeId()}); {@link #ROOT} is the root.
 * Methods are called concurrently from several worker threads. Errors are reported by throwing
 * {@link FsException} with an errno; any other exception becomes EIO for that request.
 */
public interface ReadOnlyFilesystem {
    long ROOT = 1;

    /** Called once, after the kernel connection is set up and before any other request. */
    default void init(FsContext context) {}

    /** How long the kernel may cache what this filesystem answers. */
    CachePolicy cachePolicy();

    /** The entry {@code name} in directory {@code parent}, or null if there is none. */
    Entry lookup(long parent, byte[] name) throws FsException;

    /** The kernel dropped {@code nlookup} references to {@code node} (from lookups and readdirplus). */
    default void forget(long node, long nlookup) {}

    Attributes getattr(long node) throws FsException;

    byte[] readlink(long node) throws FsException;

    /**
     * False if {@link #read} serves any regular file with handle 0 without it being opened. The
     * session then answers OPEN with ENOSYS and the kernel (FUSE_NO_OPEN_SUPPORT) stops sending
     * OPEN and RELEASE for the rest of the session: one round trip per small file instead of three.
     * Must not change during a session; a filesystem that needs {@link OpenedFile.Passthrough}
     * must return true.
     */
    default boolean filesNeedOpen() {
        return true;
    }

    /** False if {@link #readdir} lists any directory with handle 0: OPENDIR and RELEASEDIR then stop. */
    default boolean directoriesNeedOpen() {
        return true;
    }

    /** Opens a file for reading ({@code flags} are the open(2) flags). */
    OpenedFile open(long node, int flags) throws FsException;

    /**
     * Reads at {@code offset} into {@code dst} (sized to the request, or smaller); returns the
     * bytes written, fewer only at end of file.
     */
    long read(long node, long fh, long offset, MemorySegment dst) throws FsException;

    /** The last reference to an open file went away. */
    default void release(long node, long fh) {}

    /** Opens a directory for listing; returns a handle passed to {@link #readdir}. */
    default long opendir(long node) throws FsException {
        return 0;
    }

    /**
     * Lists directory entries starting after position {@code offset} (0 = from the start; each
     * entry carries the offset of the next one) until the listing is full or the directory ends.
     */
    void readdir(long node, long fh, long offset, DirectoryListing listing) throws FsException;

    default void releasedir(long node, long fh) {}

    /** The value of an extended attribute, or null if the node has none by that name. */
    byte[] getxattr(long node, byte[] name) throws FsException;

    /** The names of the node's extended attributes. */
    List<byte[]> listxattr(long node) throws FsException;

    FsStatistics statfs(long node) throws FsException;

    /** The session is ending: release what the filesystem holds (object fds, backing ids). */
    default void destroy() {}
}
