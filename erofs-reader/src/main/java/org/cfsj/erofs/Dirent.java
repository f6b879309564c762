package org.cfsj.erofs;

import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.cfsj.tree.Bytes;

/**
 * One directory entry ({@code struct erofs_dirent}: nid, name offset, file type), read and written
 * here only; {@link DirentBlock} lays entries and names out in a block.
 *
 * @param name     raw name bytes (never empty, at most 255 bytes)
 * @param nid      node id of the target inode
 * @param fileType the dirent's {@code file_type} ({@link ErofsLayout#FT_DIR} ...), as stored
 * @param index    position of this entry in the directory (0-based, "." and ".." included), usable
 *                 as a readdir cookie
 */
public record Dirent(byte[] name, long nid, int fileType, long index) {
    // Byte offsets in struct erofs_dirent.
    public static final int NID = 0; // le64
    public static final int NAMEOFF = 8; // le16, from the start of the block
    public static final int FILE_TYPE = 10; // u8
    public static final int RESERVED = 11;

    public String nameString() {
        return Bytes.str(name);
    }

    public boolean isDotOrDotDot() {
        return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
    }

    /** The name offset stored in the entry at {@code entry} (checked by the caller to lie in the block). */
    static int nameOffset(MemorySegment image, long entry) {
        return u16(image, entry + NAMEOFF);
    }

    /** The entry at {@code entry}, whose name the caller has located and checked. */
    static Dirent read(MemorySegment image, long entry, byte[] name, long index) {
        return new Dirent(name, u64(image, entry + NID), u8(image, entry + FILE_TYPE), index);
    }

    /** Writes this entry's {@link ErofsLayout#DIRENT_SIZE} bytes at {@code dst}'s start, its name at {@code nameoff} of the block. */
    void write(MemorySegment dst, int nameoff) {
        put64(dst, NID, nid);
        put16(dst, NAMEOFF, nameoff);
        put8(dst, FILE_TYPE, fileType);
        put8(dst, RESERVED, 0);
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
