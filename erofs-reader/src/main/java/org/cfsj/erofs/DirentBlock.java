package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.DIRENT_SIZE;
import static org.cfsj.erofs.ErofsLayout.NAME_MAX;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One directory block (or a directory's inline tail): the {@link Dirent} entries of its names,
 * then the names, without terminators. The first entry's name offset says how many entries
 * the block has; each name ends where the next begins, the last at the end of the block or at a
 * NUL. Read and written here only. A block read from an image is checked as it is used: every
 * name offset lies in the name area, in increasing order, and every name is 1 to 255 bytes.
 */
public final class DirentBlock {
    private final MemorySegment image;
    private final long blockOffset;
    private final int length;
    private final int count;
    private final long dirNid;
    private final long blockIndex;

    private DirentBlock(MemorySegment image, long blockOffset, int length, int count, long dirNid, long blockIndex) {
        this.image = image;
        this.blockOffset = blockOffset;
        this.length = length;
        this.count = count;
        this.dirNid = dirNid;
        this.blockIndex = blockIndex;
    }

    static ErofsFormatException error(long dirNid, long blockIndex, String what) {
        return new ErofsFormatException("directory nid " + dirNid + ": block " + blockIndex + " " + what);
    }

    /**
     * The block of {@code length} bytes at {@code blockOffset} (checked by the caller to lie in the
     * image), block {@code blockIndex} of directory {@code dirNid}; checks its entry count.
     */
    static DirentBlock read(MemorySegment image, long blockOffset, int length, long dirNid, long blockIndex)
            throws ErofsFormatException {
        if (length < DIRENT_SIZE) {
            throw error(dirNid, blockIndex, "is too short (" + length + " bytes) for a directory entry");
        }
        int firstNameOff = Dirent.nameOffset(image, blockOffset);
        if (firstNameOff < DIRENT_SIZE || firstNameOff % DIRENT_SIZE != 0 || firstNameOff >= length) {
            throw error(dirNid, blockIndex, "has a bad first name offset " + firstNameOff);
        }
        return new DirentBlock(image, blockOffset, length, firstNameOff / DIRENT_SIZE, dirNid, blockIndex);
    }

    /** Number of entries in the block. */
    int count() {
        return count;
    }

    private int nameOff(int i) {
        return Dirent.nameOffset(image, blockOffset + (long) i * DIRENT_SIZE);
    }

    /** Start and length of name i, checked: names follow the table, in increasing offset order. */
    private long nameRange(int i) throws ErofsFormatException {
        int off = nameOff(i);
        if (off < count * DIRENT_SIZE || off >= length) {
            throw error(dirNid, blockIndex, "entry " + i + " has name offset " + off + " outside the name area");
        }
        int len;
        if (i + 1 < count) {
            int next = nameOff(i + 1);
            if (next <= off || next > length) {
                throw error(dirNid, blockIndex,
                        "entry " + i + " has name offsets out of order (" + off + ", then " + next + ")");
            }
            len = next - off;
        } else {
            // the last name runs to the end of the block or the first NUL
            int max = Math.min(length - off, NAME_MAX + 1);
            len = 0;
            while (len < max && LittleEndian.u8(image, blockOffset + off + len) != 0) {
                len++;
            }
        }
        if (len == 0 || len > NAME_MAX) {
            throw error(dirNid, blockIndex, "entry " + i + " has a bad name length " + len);
        }
        return ((long) off << 32) | len;
    }

    /** The name of entry {@code i}. */
    byte[] name(int i) throws ErofsFormatException {
        long r = nameRange(i);
        return LittleEndian.bytes(image, blockOffset + (r >>> 32), (int) r);
    }

    /** Entry {@code i}, numbered {@code index} in its directory. */
    Dirent dirent(int i, long index) throws ErofsFormatException {
        return Dirent.read(image, blockOffset + (long) i * DIRENT_SIZE, name(i), index);
    }

    /** Bytes a block of {@code entries} takes: entries, then names. */
    public static int size(List<Dirent> entries) {
        int n = 0;
        for (Dirent d : entries) {
            n += DIRENT_SIZE + d.name().length;
        }
        return n;
    }

    /** Writes {@code entries} (in on-disk order) as one block at {@code dst}'s start, {@link #size} bytes. */
    public static void write(List<Dirent> entries, MemorySegment dst) {
        int nameoff = entries.size() * DIRENT_SIZE;
        long pos = 0;
        for (Dirent d : entries) {
            d.write(dst.asSlice(pos, DIRENT_SIZE), nameoff);
            pos += DIRENT_SIZE;
            nameoff += d.name().length;
        }
        for (Dirent d : entries) {
            LittleEndian.putBytes(dst, pos, d.name());
            pos += d.name().length;
        }
    }
}
