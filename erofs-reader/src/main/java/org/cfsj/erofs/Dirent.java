package org.cfsj.erofs;

import java.util.Arrays;
import org.cfsj.tree.Bytes;

/**
 * One directory entry.
 *
 * @param name     raw name bytes (never empty, at most 255 bytes)
 * @param nid      node id of the target inode
 * @param fileType the dirent's {@code file_type} ({@link ErofsLayout#FT_DIR} ...), as stored
 * @param index    position of this entry in the directory (0-based, "." and ".." included), usable
 *                 as a readdir cookie
 */
public record Dirent(byte[] name, long nid, int fileType, long index) {
    public String nameString() {
        return Bytes.str(name);
    }

    public boolean isDotOrDotDot() {
        return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dirent d && Arrays.equals(name, d.name) && nid == d.nid && fileType == d.fileType
                && index == d.index;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name) * 31 + Long.hashCode(nid);
    }

    @Override
    public String toString() {
        return "Dirent[" + nameString() + " -> nid " + nid + ", type " + fileType + "]";
    }
}
