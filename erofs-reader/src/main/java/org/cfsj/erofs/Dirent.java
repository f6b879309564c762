package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.DIRENT_SIZE;
import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.cfsj.tree.Bytes;

/**
 * One directory entry ({@code struct erofs_dirent}: nid, name offset, file type), read and written
 * here only. On disk a directory block holds the fixed-size entries of its names first, then the
 * names, without terminators: the first entry's name offset tells how many entries the block has,
 * and each name ends where the next begins (the last at the end of the block or at a NUL).
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

    /** Bytes one block (or inline tail) of {@code entries} takes: entries, then names. */
    public static int blockSize(List<Dirent> entries) {
        int n = 0;
        for (Dirent d : entries) {
            n += DIRENT_SIZE + d.name.length;
        }
        return n;
    }

    /** Writes {@code entries} as one directory block at {@code dst}'s start, {@link #blockSize} bytes. */
    public static void writeBlock(List<Dirent> entries, MemorySegment dst) {
        int nameoff = entries.size() * DIRENT_SIZE;
        long pos = 0;
        for (Dirent d : entries) {
            put64(dst, pos + NID, d.nid);
            put16(dst, pos + NAMEOFF, nameoff);
            put8(dst, pos + FILE_TYPE, d.fileType);
            put8(dst, pos + RESERVED, 0);
            pos += DIRENT_SIZE;
            nameoff += d.name.length;
        }
        for (Dirent d : entries) {
            putBytes(dst, pos, d.name);
            pos += d.name.length;
        }
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
