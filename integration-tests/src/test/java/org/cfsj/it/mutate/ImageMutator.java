package org.cfsj.it.mutate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Superblock;
import org.cfsj.erofs.Inode;

/**
 * Mutates a valid EROFS image: huge, negative, off-by-some or random values written into the
 * fields that steer the reader (composefs header, superblock, every inode's format, mode, size,
 * nlink, block address and xattr count, the xattr body headers, chunk indexes, every dirent's nid,
 * name offset and type), bit flips and byte runs near those fields or anywhere, and truncation.
 * The same base, random source and case give the same mutation; the description says what was done.
 */
final class ImageMutator {
    /** A field worth hitting: where and how many bytes (little-endian). */
    record Field(int offset, int length, String what) {}

    private static final long[] NASTY = {0, 1, -1, 0xFF, 0xFFFF, 0x7FFF, 0x8000, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL,
        Long.MAX_VALUE, Long.MIN_VALUE, 4095, 4096, 4097, 12, 13, 255, 256, 1L << 40, 0x40, 0x41, 1024, 5000};

    private final List<Field> fields;

    ImageMutator(byte[] image) throws IOException {
        this.fields = fields(image);
    }

    int fieldCount() {
        return fields.size();
    }

    static List<Field> fields(byte[] image) throws IOException {
        List<Field> f = new ArrayList<>();
        for (int[] h : new int[][] {{0, 4}, {4, 4}, {8, 4}, {12, 4}}) {
            f.add(new Field(h[0], h[1], "composefs header"));
        }
        int sb = ErofsLayout.SUPERBLOCK_OFFSET;
        for (int[] field : new int[][] {
            {Superblock.MAGIC, 4}, {Superblock.FEATURE_COMPAT, 4}, {Superblock.BLKSZBITS, 1},
            {Superblock.SB_EXTSLOTS, 1}, {Superblock.ROOT_NID, 2}, {Superblock.INOS, 8},
            {Superblock.BUILD_TIME, 8}, {Superblock.BUILD_TIME_NSEC, 4}, {Superblock.BLOCKS, 4},
            {Superblock.META_BLKADDR, 4}, {Superblock.XATTR_BLKADDR, 4}, {Superblock.FEATURE_INCOMPAT, 4},
            {Superblock.EXTRA_DEVICES, 2}, {Superblock.DIRBLKBITS, 1}, {Superblock.XATTR_PREFIX_COUNT, 1},
            {Superblock.XATTR_PREFIX_START, 4}, {Superblock.PACKED_NID, 8},
        }) {
            f.add(new Field(sb + field[0], field[1], "superblock+" + field[0]));
        }
        ByteBuffer bb = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        try (ErofsImage img = ErofsImage.of(image)) {
            Deque<Long> todo = new ArrayDeque<>();
            Set<Long> seen = new HashSet<>();
            todo.add(img.rootNid());
            while (!todo.isEmpty()) {
                long nid = todo.pop();
                if (!seen.add(nid)) {
                    continue;
                }
                Inode in = img.inode(nid);
                int o = (int) in.offset();
                String at = "nid " + nid + " ";
                f.add(new Field(o + Inode.Compact.FORMAT, 2, at + "format"));
                f.add(new Field(o + Inode.Compact.XATTR_ICOUNT, 2, at + "xattr_icount"));
                f.add(new Field(o + Inode.Compact.MODE, 2, at + "mode"));
                f.add(new Field(o + Inode.Compact.I_U, 4, at + "i_u"));
                if (in.extended()) {
                    f.add(new Field(o + Inode.Extended.SIZE, 8, at + "size"));
                    f.add(new Field(o + Inode.Extended.NLINK, 4, at + "nlink"));
                    f.add(new Field(o + Inode.Extended.MTIME_NSEC, 4, at + "mtime_nsec"));
                } else {
                    f.add(new Field(o + Inode.Compact.SIZE, 4, at + "size"));
                    f.add(new Field(o + Inode.Compact.NLINK, 2, at + "nlink"));
                }
                if (in.xattrIcount() > 0) {
                    int x = o + in.inodeSize();
                    f.add(new Field(x + 4, 1, at + "h_shared_count"));
                    f.add(new Field(x + ErofsLayout.XATTR_IBODY_HEADER_SIZE, 4, at + "first shared id / entry"));
                    f.add(new Field(x + ErofsLayout.XATTR_IBODY_HEADER_SIZE, 1, at + "first e_name_len"));
                    f.add(new Field(x + ErofsLayout.XATTR_IBODY_HEADER_SIZE + 1, 1, at + "first e_name_index"));
                    f.add(new Field(x + ErofsLayout.XATTR_IBODY_HEADER_SIZE + 2, 2, at + "first e_value_size"));
                }
                if (in.isChunkBased() && in.size() > 0) {
                    f.add(new Field((int) in.chunkIndexOffset(), in.chunkEntrySize(), at + "chunk index"));
                }
                if (in.isDirectory()) {
                    long blocks = (in.size() + ErofsLayout.BLOCK_SIZE - 1) / ErofsLayout.BLOCK_SIZE;
                    for (long blk = 0; blk < blocks; blk++) {
                        long blockOff = in.layout() == ErofsLayout.LAYOUT_FLAT_INLINE && blk == blocks - 1
                                ? in.bodyEnd()
                                : in.rawBlkaddr() * ErofsLayout.BLOCK_SIZE + blk * ErofsLayout.BLOCK_SIZE;
                        int count = (bb.getShort((int) blockOff + 8) & 0xFFFF) / ErofsLayout.DIRENT_SIZE;
                        for (int i = 0; i < count; i++) {
                            int d = (int) blockOff + ErofsLayout.DIRENT_SIZE * i;
                            f.add(new Field(d, 8, at + "dirent " + i + " nid"));
                            f.add(new Field(d + 8, 2, at + "dirent " + i + " nameoff"));
                            f.add(new Field(d + 10, 1, at + "dirent " + i + " type"));
                        }
                    }
                    for (Dirent d : img.readdir(in)) {
                        if (!d.isDotOrDotDot()) {
                            todo.add(d.nid());
                        }
                    }
                }
            }
        }
        f.removeIf(x -> x.offset() < 0 || x.offset() >= image.length);
        return f;
    }

    byte[] mutate(byte[] base, Random rnd, StringBuilder what) {
        byte[] img = base.clone();
        int kinds = 1 + rnd.nextInt(3);
        for (int k = 0; k < kinds && img.length > 0; k++) {
            int choice = rnd.nextInt(100);
            if (choice < 45) {
                Field field = fields.get(rnd.nextInt(fields.size()));
                long v = switch (rnd.nextInt(5)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> read(img, field.offset(), field.length()) + (rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextInt(64));
                    case 2 -> read(img, field.offset(), field.length()) ^ (1L << rnd.nextInt(8 * field.length()));
                    default -> NASTY[rnd.nextInt(NASTY.length)];
                };
                write(img, field.offset(), field.length(), v);
                what.append(String.format("%s@%d/%d=0x%x; ", field.what(), field.offset(), field.length(), v));
            } else if (choice < 65) {
                int at = hotOffset(img, rnd);
                int bit = rnd.nextInt(8);
                img[at] ^= (byte) (1 << bit);
                what.append("flip@").append(at).append('.').append(bit).append("; ");
            } else if (choice < 85) {
                int at = hotOffset(img, rnd);
                int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 64);
                int mode = rnd.nextInt(3);
                for (int i = at; i < Math.min(img.length, at + len); i++) {
                    img[i] = switch (mode) {
                        case 0 -> 0;
                        case 1 -> (byte) 0xFF;
                        default -> (byte) rnd.nextInt();
                    };
                }
                what.append("overwrite@").append(at).append('+').append(len).append(" mode ").append(mode).append("; ");
            } else if (choice < 92) {
                // copy one field's bytes over another's: plausible values in the wrong place
                Field a = fields.get(rnd.nextInt(fields.size()));
                Field b = fields.get(rnd.nextInt(fields.size()));
                write(img, b.offset(), b.length(), read(img, a.offset(), a.length()));
                what.append("copy ").append(a.what()).append(" -> ").append(b.what()).append("; ");
            } else {
                int len = rnd.nextInt(img.length);
                img = Arrays.copyOf(img, len);
                what.append("truncate to ").append(len).append("; ");
            }
        }
        return img;
    }

    /** Mostly near a known field (metadata), sometimes anywhere. */
    private int hotOffset(byte[] img, Random rnd) {
        if (rnd.nextInt(4) == 0) {
            return rnd.nextInt(img.length);
        }
        Field field = fields.get(rnd.nextInt(fields.size()));
        long at = field.offset() + rnd.nextInt(64) - 16;
        return (int) Math.max(0, Math.min(img.length - 1, at));
    }

    private static long read(byte[] img, int at, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) {
            v = (v << 8) | (at + i < img.length ? img[at + i] & 0xFF : 0);
        }
        return v;
    }

    private static void write(byte[] img, int at, int len, long v) {
        for (int i = 0; i < len && at + i < img.length; i++) {
            img[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
