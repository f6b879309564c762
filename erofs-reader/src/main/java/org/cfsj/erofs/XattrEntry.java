package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.XATTR_ENTRY_HEADER_SIZE;
import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One xattr entry ({@code struct erofs_xattr_entry}: name length, name index, value size, then
 * the name suffix and the value, padded to 4 bytes), inline after an inode's
 * {@link XattrIbody} or in the shared xattr area; read and written here only.
 *
 * @param nameIndex {@code e_name_index}: a short prefix ({@link XattrPrefixes}) or, with bit 7
 *                  ({@link ErofsLayout#XATTR_LONG_PREFIX}), a long prefix of the superblock
 * @param suffix    the name without its prefix
 * @param value     the value
 */
public record XattrEntry(int nameIndex, byte[] suffix, byte[] value) {
    // Byte offsets in struct erofs_xattr_entry.
    public static final int NAME_LEN = 0; // u8
    public static final int NAME_INDEX = 1; // u8
    public static final int VALUE_SIZE = 2; // le16

    /** The entry for a full xattr name, with the short prefix composefs uses cut off. */
    public static XattrEntry of(byte[] name, byte[] value) {
        int index = XattrPrefixes.indexFor(name);
        return new XattrEntry(index, Arrays.copyOfRange(name, XattrPrefixes.prefixLength(index), name.length), value);
    }

    /** On-disk size of an entry (header + name + value, padded to 4). */
    public static int size(int nameLen, int valueSize) {
        return (XATTR_ENTRY_HEADER_SIZE + nameLen + valueSize + 3) & ~3;
    }

    public int size() {
        return size(suffix.length, value.length);
    }

    /** The header of an entry: what its name and value take. */
    public record Header(int nameLen, int nameIndex, int valueSize) {
        /** The padded size of the whole entry. */
        public int entrySize() {
            return size(nameLen, valueSize);
        }
    }

    /** The header of the entry at {@code pos}, which the caller has checked lies in the image. */
    static Header readHeader(MemorySegment image, long pos) {
        return new Header(u8(image, pos + NAME_LEN), u8(image, pos + NAME_INDEX), u16(image, pos + VALUE_SIZE));
    }

    /** The entry at {@code pos}, whose header the caller has checked lies in the image; checks the rest does. */
    static XattrEntry read(MemorySegment image, long pos, String where) throws ErofsFormatException {
        Header h = readHeader(image, pos);
        if (pos + XATTR_ENTRY_HEADER_SIZE + h.nameLen() + h.valueSize() > image.byteSize()) {
            throw new ErofsFormatException(where + ": xattr entry at offset " + pos + " runs past the end of the image");
        }
        return new XattrEntry(h.nameIndex(), bytes(image, pos + XATTR_ENTRY_HEADER_SIZE, h.nameLen()),
                bytes(image, pos + XATTR_ENTRY_HEADER_SIZE + h.nameLen(), h.valueSize()));
    }

    /** Writes the entry and its padding ({@link #size()} bytes) at {@code dst}'s start. */
    public void write(MemorySegment dst) {
        MemorySegment s = dst.asSlice(0, size());
        s.fill((byte) 0);
        put8(s, NAME_LEN, suffix.length);
        put8(s, NAME_INDEX, nameIndex);
        put16(s, VALUE_SIZE, value.length);
        putBytes(s, XATTR_ENTRY_HEADER_SIZE, suffix);
        putBytes(s, XATTR_ENTRY_HEADER_SIZE + suffix.length, value);
    }

    /** The full name, given the bytes of the prefix that {@link #nameIndex} stands for. */
    public byte[] name(byte[] prefix) {
        byte[] name = Arrays.copyOf(prefix, prefix.length + suffix.length);
        System.arraycopy(suffix, 0, name, prefix.length, suffix.length);
        return name;
    }
}
