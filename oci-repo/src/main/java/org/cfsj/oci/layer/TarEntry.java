package org.cfsj.oci.layer;

import java.util.List;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Xattr;

/**
 * One tar member with every extension (PAX, GNU long names) already applied.
 *
 * @param path      raw path bytes as in the archive (not normalized)
 * @param kind      the member type
 * @param mode      permission bits (07777)
 * @param mtime     modification time in whole seconds (fractions dropped, as composefs-rs does)
 * @param size      content size; only regular files have content
 * @param linkName  hardlink or symlink target bytes (empty otherwise)
 * @param xattrs    from {@code SCHILY.xattr.*} / {@code LIBARCHIVE.xattr.*} PAX records
 * @param offset    byte offset of the member's header block in the tar (for messages)
 */
public record TarEntry(byte[] path, Kind kind, int mode, int uid, int gid, long mtime, long size, byte[] linkName,
        int devMajor, int devMinor, List<Xattr> xattrs, long offset) {

    /** Member types cfsj imports. */
    public enum Kind { REGULAR, HARDLINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, DIRECTORY, FIFO }

    public TarEntry {
        xattrs = List.copyOf(xattrs);
    }

    /** Bytes of content that follow the header in the archive. */
    public long dataSize() {
        return kind == Kind.REGULAR ? size : 0;
    }

    /** The path for messages: control bytes escaped, a long path cut ({@link Limits#show}). */
    public String pathString() {
        return Limits.show(path);
    }
}
