package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.cfsj.sys.Io;
import org.cfsj.tree.Xattr;

/**
 * A read-only EROFS image (plain mkfs.erofs or composefs), mapped into memory.
 *
 * <p>Everything is lazy: opening reads the superblock and the root inode, nothing else, so the
 * FUSE server can answer each request by decoding just the inodes and blocks it touches.
 *
 * <p>The image is untrusted input. Every offset, length and count read from it is checked
 * against the image size before it is followed; any problem is reported as an
 * {@link ErofsFormatException} naming the nid or offset. No method walks more than it is asked
 * to, so a malformed image (cycles, overlapping data) cannot make a single call loop forever.
 * Compressed data is refused with a message naming the compression.
 *
 * <p>Thread safety: the object is immutable after opening; all methods may be called
 * concurrently (when opened from a file, the mapping uses a shared arena).
 */
public final class ErofsImage implements AutoCloseable {
    /**
     * Bytes per MADV_WILLNEED: the kernel reads at most max(read_ahead_kb, the device's largest
     * request) per call, so larger advice would be cut short; this is the kernel's default
     * read_ahead_kb, a multiple of every page size.
     */
    private static final long READ_AHEAD_CHUNK = 128 << 10;

    private final Arena arena; // null when wrapping a caller's segment
    private final MemorySegment seg;
    private final long imageSize;
    private final Superblock sb;
    private final ComposefsHeader composefsHeader;
    private final long metaBase;
    private final long xattrBase;
    private final byte[][] longPrefixes;

    private ErofsImage(Arena arena, MemorySegment seg) throws ErofsFormatException {
        this.arena = arena;
        this.seg = seg.asReadOnly();
        this.imageSize = seg.byteSize();
        if (imageSize < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
            throw new ErofsFormatException("not an EROFS image: only " + imageSize
                    + " bytes, too small to hold a superblock at offset " + SUPERBLOCK_OFFSET);
        }
        this.composefsHeader = ComposefsHeader.read(this.seg).orElse(null);
        this.sb = Superblock.read(this.seg);
        sb.checkSupported(this.seg);
        this.metaBase = sb.metaBlkaddr() * BLOCK_SIZE;
        this.xattrBase = sb.xattrBlkaddr() * BLOCK_SIZE;
        if (metaBase >= imageSize) {
            throw new ErofsFormatException("superblock meta_blkaddr " + sb.metaBlkaddr() + " (offset " + metaBase
                    + ") is beyond the end of the image (" + imageSize + " bytes)");
        }
        if (xattrBase > imageSize) {
            throw new ErofsFormatException("superblock xattr_blkaddr " + sb.xattrBlkaddr() + " (offset " + xattrBase
                    + ") is beyond the end of the image (" + imageSize + " bytes)");
        }
        this.longPrefixes = readLongPrefixes();
        Inode root = inode(sb.rootNid());
        if (!root.isDirectory()) {
            throw new ErofsFormatException("root nid " + sb.rootNid() + " is not a directory (mode 0"
                    + Integer.toOctalString(root.mode()) + ")");
        }
    }

    /** Opens and maps an image file read-only. The mapping is released by {@link #close()}. */
    public static ErofsImage open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new ErofsImage(arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * For an image opened from a file: asks the kernel to start reading the whole file into the
     * page cache now, without waiting (madvise MADV_WILLNEED). A server's first walk then finds
     * inodes and directories in memory instead of faulting them in a page at a time, each fault
     * a small synchronous disk read. Only the page cache grows: no page is mapped into this
     * process until it is read. Best effort; an image wrapping memory is left alone.
     */
    public void readAhead() {
        if (arena == null) {
            return;
        }
        for (long at = 0; at < seg.byteSize(); at += READ_AHEAD_CHUNK) {
            if (Io.madvise(seg.asSlice(at, Math.min(READ_AHEAD_CHUNK, seg.byteSize() - at)), Io.MADV_WILLNEED) != 0) {
                return;
            }
        }
    }


    /** Wraps image bytes already in memory (tests, fuzzing, images embedded elsewhere). Not copied. */
    public static ErofsImage of(MemorySegment image) throws ErofsFormatException {
        return new ErofsImage(null, image);
    }

    public static ErofsImage of(byte[] image) throws ErofsFormatException {
        return of(MemorySegment.ofArray(image));
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    public Superblock superblock() {
        return sb;
    }

    /** The composefs header, or empty for a plain EROFS image. */
    public Optional<ComposefsHeader> composefsHeader() {
        return Optional.ofNullable(composefsHeader);
    }

    public long size() {
        return imageSize;
    }

    public long rootNid() {
        return sb.rootNid();
    }

    // ------------------------------------------------------------------ long xattr name prefixes

    /** Long xattr name prefixes (full prefix bytes, by index), stored at xattr_prefix_start * 4. */
    private byte[][] readLongPrefixes() throws ErofsFormatException {
        if (!sb.hasIncompat(FEATURE_INCOMPAT_XATTR_PREFIXES) || sb.xattrPrefixCount() == 0) {
            return new byte[0][];
        }
        Inode packed = sb.packedNid() != 0 ? inode(sb.packedNid()) : null;
        long limit = packed != null ? packed.size() : imageSize;
        byte[][] result = new byte[sb.xattrPrefixCount()][];
        long pos = sb.xattrPrefixStart() * 4;
        for (int i = 0; i < result.length; i++) {
            pos = (pos + 3) & ~3L;
            if (pos < 0 || pos + 2 > limit) {
                throw new ErofsFormatException("long xattr name prefix " + i + " at offset " + pos + " is outside the "
                        + (packed != null ? "packed inode" : "image"));
            }
            byte[] lenBytes = packed != null ? readExactly(packed, pos, 2) : bytes(pos, 2);
            int len = (lenBytes[0] & 0xFF) | (lenBytes[1] & 0xFF) << 8;
            pos += 2;
            if (len < 1 || pos + len > limit) {
                throw new ErofsFormatException("long xattr name prefix " + i + " at offset " + (pos - 2)
                        + " has a bad length " + len);
            }
            byte[] rec = packed != null ? readExactly(packed, pos, len) : bytes(pos, len);
            byte[] baseBytes = (rec[0] & XATTR_LONG_PREFIX) == 0 ? XattrPrefixes.prefix(rec[0] & 0xFF) : null;
            if (baseBytes == null || rec[0] == 0) {
                throw new ErofsFormatException("long xattr name prefix " + i + " has an invalid base index " + (rec[0] & 0xFF));
            }
            byte[] full = Arrays.copyOf(baseBytes, baseBytes.length + len - 1);
            System.arraycopy(rec, 1, full, baseBytes.length, len - 1);
            result[i] = full;
            pos += len;
        }
        return result;
    }

    private byte[] readExactly(Inode inode, long offset, int len) throws ErofsFormatException {
        byte[] out = new byte[len];
        long n = read(inode, offset, MemorySegment.ofArray(out));
        if (n != len) {
            throw new ErofsFormatException("nid " + inode.nid() + ": data ends at " + inode.size()
                    + ", wanted " + len + " bytes at offset " + offset);
        }
        return out;
    }

    // ------------------------------------------------------------------ inodes

    /** Decodes and checks the inode with this nid. */
    public Inode inode(long nid) throws ErofsFormatException {
        long avail = imageSize - metaBase;
        if (nid < 0 || avail < INODE_COMPACT_SIZE || nid > (avail - INODE_COMPACT_SIZE) / SLOT_SIZE) {
            throw new ErofsFormatException("nid " + Long.toUnsignedString(nid) + " is outside the image (metadata starts at "
                    + metaBase + ", image is " + imageSize + " bytes)");
        }
        long off = metaBase + nid * SLOT_SIZE;
        Inode inode = Inode.read(seg, nid, off, sb);
        int typeBits = inode.typeBits();
        if (typeBits == 0100000 || typeBits == 0040000 || typeBits == 0120000) {
            checkDataLayout(inode);
        }
        return inode;
    }

    /** Checks that the inode's data (blocks, inline tail, chunk index array) lies inside the image. */
    private void checkDataLayout(Inode in) throws ErofsFormatException {
        long size = in.size();
        if (size == 0) {
            return;
        }
        switch (in.layout()) {
            case LAYOUT_FLAT_PLAIN -> {
                long start = in.rawBlkaddr() * BLOCK_SIZE;
                if (start > imageSize - size) {
                    throw new ErofsFormatException("nid " + in.nid() + ": data (" + size + " bytes at block "
                            + in.rawBlkaddr() + ") is outside the image (" + imageSize + " bytes)");
                }
            }
            case LAYOUT_FLAT_INLINE -> {
                long fullBlocks = (size - 1) / BLOCK_SIZE;
                long tail = size - fullBlocks * BLOCK_SIZE;
                long start = in.rawBlkaddr() * BLOCK_SIZE;
                if (fullBlocks > 0 && start > imageSize - fullBlocks * BLOCK_SIZE) {
                    throw new ErofsFormatException("nid " + in.nid() + ": data blocks (" + fullBlocks + " at block "
                            + in.rawBlkaddr() + ") are outside the image (" + imageSize + " bytes)");
                }
                long tailStart = in.bodyEnd();
                if ((tailStart % BLOCK_SIZE) + tail > BLOCK_SIZE) {
                    throw new ErofsFormatException("nid " + in.nid() + ": inline data (" + tail + " bytes at offset "
                            + tailStart + ") crosses a block boundary");
                }
                if (tailStart > imageSize - tail) {
                    throw new ErofsFormatException("nid " + in.nid() + ": inline data (" + tail + " bytes at offset "
                            + tailStart + ") runs past the end of the image");
                }
            }
            case LAYOUT_CHUNK_BASED -> {
                // mkfs.erofs and composefs make chunk indexes for regular files only; in a directory or
                // symlink every index entry could name the same block and multiply it without bound.
                if (!in.isRegular()) {
                    throw new ErofsFormatException("nid " + in.nid() + ": chunk-based layout for a "
                            + (in.isDirectory() ? "directory" : "symlink") + " (only regular files have chunks)");
                }
                int fmt = in.chunkFormat();
                if ((fmt & ~(CHUNK_FORMAT_BLKBITS_MASK | CHUNK_FORMAT_INDEXES)) != 0) {
                    throw new ErofsFormatException(String.format("nid %d: unknown chunk format 0x%x", in.nid(), fmt));
                }
                long idx = in.chunkIndexOffset();
                long count = in.chunkCount();
                if (idx > imageSize || count > (imageSize - idx) / in.chunkEntrySize()) {
                    throw new ErofsFormatException("nid " + in.nid() + ": chunk index (" + count + " chunks of 2^"
                            + in.chunkBits() + " bytes at offset " + idx + ") runs past the end of the image");
                }
            }
            default -> {
                // compressed: metadata is readable, data access reports the compression
            }
        }
    }

    /** Throws if the inode's data cannot be read by cfsj (compressed layouts). */
    public void checkReadable(Inode in) throws ErofsFormatException {
        if (in.isCompressed()) {
            throw compressed(in);
        }
    }

    private ErofsFormatException compressed(Inode in) {
        String algorithm = "lz4";
        // z_erofs_map_header follows the inode and xattrs, aligned to 8; h_algorithmtype is its byte 6
        long header = (in.bodyEnd() + 7) & ~7L;
        if (header + 8 <= imageSize) {
            int type = LittleEndian.u8(seg, header + 6) & 0xF;
            algorithm = compressionName(type);
        }
        return new ErofsFormatException("nid " + in.nid() + ": data is compressed (" + algorithm
                + "), which cfsj does not read (image uses compression)");
    }

    // ------------------------------------------------------------------ data

    /** A contiguous run of file data: {@code imageOffset < 0} means a hole (reads as zeros). */
    private record Extent(long imageOffset, long length) {}

    /** Maps file position {@code pos} (0 <= pos < size) to where its bytes are. */
    private Extent map(Inode in, long pos) throws ErofsFormatException {
        long size = in.size();
        return switch (in.layout()) {
            case LAYOUT_FLAT_PLAIN -> new Extent(in.rawBlkaddr() * BLOCK_SIZE + pos, size - pos);
            case LAYOUT_FLAT_INLINE -> {
                long inlineStart = (size - 1) / BLOCK_SIZE * BLOCK_SIZE;
                yield pos < inlineStart
                        ? new Extent(in.rawBlkaddr() * BLOCK_SIZE + pos, inlineStart - pos)
                        : new Extent(in.bodyEnd() + (pos - inlineStart), size - pos);
            }
            case LAYOUT_CHUNK_BASED -> {
                int bits = in.chunkBits();
                long chunk = pos >>> bits;
                long chunkStart = chunk << bits;
                long chunkEnd = size - chunkStart <= (1L << bits) ? size : chunkStart + (1L << bits);
                long entry = in.chunkIndexOffset() + chunk * in.chunkEntrySize();
                long blk;
                if (in.chunkEntrySize() == CHUNK_INDEX_SIZE) {
                    int device = u16(entry + 2);
                    blk = u32(entry + 4);
                    if (device != 0 && blk != Integer.toUnsignedLong(NULL_ADDR)) {
                        throw new ErofsFormatException("nid " + in.nid() + ": chunk " + chunk + " is on extra device "
                                + device + ", which cfsj does not read");
                    }
                } else {
                    blk = u32(entry);
                }
                long len = chunkEnd - pos;
                if (blk == Integer.toUnsignedLong(NULL_ADDR)) {
                    yield new Extent(-1, len);
                }
                long start = blk * BLOCK_SIZE + (pos - chunkStart);
                if (start > imageSize - len) {
                    throw new ErofsFormatException("nid " + in.nid() + ": chunk " + chunk + " (block " + blk
                            + ") is outside the image (" + imageSize + " bytes)"
                            + (composefsHeader != null
                                    ? "; in a composefs image the data of an external file is in its backing object"
                                    : ""));
                }
                yield new Extent(start, len);
            }
            default -> throw compressed(in);
        };
    }

    /**
     * Reads file data at {@code offset} into {@code dst}, up to its size or the end of the file.
     * Holes (null chunks, as in composefs external files) read as zeros. Note that composefs
     * writers omit the chunk index of an external file when it does not fit in the inode's
     * block (over 1023 chunks, i.e. files of many terabytes); reading such a file fails with an
     * {@link ErofsFormatException}: its data lives in the backing object, not in the image.
     *
     * @return the number of bytes read, 0 at or after end of file
     */
    public long read(Inode in, long offset, MemorySegment dst) throws ErofsFormatException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        if (!hasData(in) || offset >= in.size()) {
            return 0;
        }
        long want = Math.min(dst.byteSize(), in.size() - offset);
        long done = 0;
        while (done < want) {
            Extent e = map(in, offset + done);
            long n = Math.min(e.length(), want - done);
            if (e.imageOffset() < 0) {
                dst.asSlice(done, n).fill((byte) 0);
            } else {
                check(e.imageOffset(), n);
                MemorySegment.copy(seg, e.imageOffset(), dst, done, n);
            }
            done += n;
        }
        return done;
    }

    /** Like {@link #read(Inode, long, MemorySegment)}, filling {@code dst} from its position; advances the position. */
    public int read(Inode in, long offset, ByteBuffer dst) throws ErofsFormatException {
        int n = (int) read(in, offset, MemorySegment.ofBuffer(dst));
        dst.position(dst.position() + n);
        return n;
    }

    /**
     * The image bytes backing file data at {@code offset}, as a read-only slice of at most
     * {@code maxLength} bytes (zero-copy; for replies straight from the mapping). Empty at end of
     * file; {@code null} when the range starts in a hole.
     */
    public MemorySegment dataSlice(Inode in, long offset, long maxLength) throws ErofsFormatException {
        if (offset < 0 || maxLength < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        if (!hasData(in) || offset >= in.size() || maxLength == 0) {
            return MemorySegment.ofArray(new byte[0]);
        }
        Extent e = map(in, offset);
        if (e.imageOffset() < 0) {
            return null;
        }
        long n = Math.min(e.length(), maxLength);
        check(e.imageOffset(), n);
        return seg.asSlice(e.imageOffset(), n);
    }

    private static boolean hasData(Inode in) {
        return in.isRegular() || in.isDirectory() || in.isSymlink();
    }

    /** The target of a symbolic link (exactly {@code size} bytes, 1..4095). */
    public byte[] readlink(Inode in) throws ErofsFormatException {
        if (!in.isSymlink()) {
            throw new IllegalArgumentException("nid " + in.nid() + " is not a symlink");
        }
        if (in.size() == 0 || in.size() >= PATH_MAX) {
            throw new ErofsFormatException("nid " + in.nid() + ": symlink target length " + in.size()
                    + " is not in 1.." + (PATH_MAX - 1));
        }
        return readExactly(in, 0, (int) in.size());
    }

    // ------------------------------------------------------------------ directories

    /** Receives directory entries; return false to stop the iteration. */
    @FunctionalInterface
    public interface DirentVisitor {
        boolean visit(Dirent dirent) throws ErofsFormatException;
    }

    /** Block {@code blockIndex} of a directory, checked to be mapped, contiguous and inside the image. */
    private DirentBlock block(Inode dir, long blockIndex) throws ErofsFormatException {
        long pos = blockIndex * BLOCK_SIZE;
        int length = (int) Math.min(BLOCK_SIZE, dir.size() - pos);
        Extent e = map(dir, pos);
        if (e.imageOffset() < 0) {
            throw DirentBlock.error(dir.nid(), blockIndex, "is a hole");
        }
        if (e.length() < length) {
            throw DirentBlock.error(dir.nid(), blockIndex, "is not contiguous");
        }
        check(e.imageOffset(), length);
        return DirentBlock.read(seg, e.imageOffset(), length, dir.nid(), blockIndex);
    }

    private static void requireDirectory(Inode dir) {
        if (!dir.isDirectory()) {
            throw new IllegalArgumentException("nid " + dir.nid() + " is not a directory");
        }
    }

    private static long blockCount(Inode in) {
        return in.size() == 0 ? 0 : (in.size() - 1) / BLOCK_SIZE + 1;
    }

    /**
     * Calls {@code visitor} for each entry of {@code dir} (including "." and ".."), in on-disk
     * (strcmp) order, starting at entry number {@code startIndex}.
     */
    public void forEachDirent(Inode dir, long startIndex, DirentVisitor visitor) throws ErofsFormatException {
        requireDirectory(dir);
        long blocks = blockCount(dir);
        long index = 0;
        for (long b = 0; b < blocks; b++) {
            DirentBlock block = block(dir, b);
            if (index + block.count() <= startIndex) {
                index += block.count();
                continue;
            }
            for (int i = 0; i < block.count(); i++, index++) {
                if (index >= startIndex && !visitor.visit(block.dirent(i, index))) {
                    return;
                }
            }
        }
    }

    /** All entries of a directory, including "." and "..". */
    public List<Dirent> readdir(Inode dir) throws ErofsFormatException {
        List<Dirent> out = new ArrayList<>();
        forEachDirent(dir, 0, d -> out.add(d));
        return out;
    }

    /**
     * Finds a name in a directory by binary search (over blocks, then within the block), as the
     * kernel does; relies on entries being sorted, as EROFS requires.
     */
    public Optional<Dirent> lookup(Inode dir, byte[] name) throws ErofsFormatException {
        requireDirectory(dir);
        long lo = 0;
        long hi = blockCount(dir) - 1;
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            DirentBlock block = block(dir, mid);
            int first = Arrays.compareUnsigned(name, block.name(0));
            if (first < 0) {
                hi = mid - 1;
                continue;
            }
            int last = block.count() == 1 ? first : Arrays.compareUnsigned(name, block.name(block.count() - 1));
            if (last > 0) {
                lo = mid + 1;
                continue;
            }
            int l = 0;
            int h = block.count() - 1;
            while (l <= h) {
                int m = (l + h) >>> 1;
                int c = Arrays.compareUnsigned(name, block.name(m));
                if (c == 0) {
                    return Optional.of(block.dirent(m, indexOf(dir, mid) + m));
                }
                if (c < 0) {
                    h = m - 1;
                } else {
                    l = m + 1;
                }
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Index of the first entry of block {@code b}: the sum of the earlier blocks' entry counts. */
    private long indexOf(Inode dir, long b) throws ErofsFormatException {
        long index = 0;
        for (long i = 0; i < b; i++) {
            index += block(dir, i).count();
        }
        return index;
    }

    // ------------------------------------------------------------------ xattrs

    /** All extended attributes of an inode with full names: inline ones first, then shared ones. */
    public List<Xattr> xattrs(Inode in) throws ErofsFormatException {
        List<Xattr> out = new ArrayList<>(inlineXattrs(in));
        for (long id : sharedXattrIds(in)) {
            out.add(sharedXattr(id));
        }
        return out;
    }

    /** The header and shared ids of the inode's xattr area (checked to fit), or null if it has none. */
    private XattrIbody ibody(Inode in) throws ErofsFormatException {
        return in.xattrIcount() == 0 ? null : XattrIbody.read(seg, in);
    }

    /** Ids of the shared xattrs an inode refers to (see {@link #sharedXattr(long)}). */
    public long[] sharedXattrIds(Inode in) throws ErofsFormatException {
        XattrIbody ibody = ibody(in);
        return ibody == null ? new long[0] : ibody.sharedIds();
    }

    /** The xattrs stored in the inode itself. */
    public List<Xattr> inlineXattrs(Inode in) throws ErofsFormatException {
        XattrIbody ibody = ibody(in);
        if (ibody == null) {
            return List.of();
        }
        long end = in.offset() + in.inodeSize() + in.xattrSize();
        long pos = in.offset() + in.inodeSize() + ibody.size();
        List<Xattr> out = new ArrayList<>();
        while (pos < end) {
            if (pos + XATTR_ENTRY_HEADER_SIZE > end) {
                throw new ErofsFormatException("nid " + in.nid() + ": truncated xattr entry at offset " + pos);
            }
            XattrEntry.Header h = XattrEntry.readHeader(seg, pos);
            if (pos + h.entrySize() > end) {
                throw new ErofsFormatException("nid " + in.nid() + ": xattr entry at offset " + pos + " (name "
                        + h.nameLen() + " bytes, value " + h.valueSize() + " bytes) runs past the inline xattr area");
            }
            out.add(xattrAt(pos, "nid " + in.nid()));
            pos += h.entrySize();
        }
        return out;
    }

    /** A shared xattr: the entry at {@code xattr_blkaddr * 4096 + id * 4}. */
    public Xattr sharedXattr(long id) throws ErofsFormatException {
        long pos = xattrBase + id * 4;
        if (id < 0 || pos > imageSize - XATTR_ENTRY_HEADER_SIZE) {
            throw new ErofsFormatException("shared xattr id " + id + " (offset " + pos + ") is outside the image");
        }
        return xattrAt(pos, "shared xattr id " + id);
    }

    private Xattr xattrAt(long pos, String where) throws ErofsFormatException {
        XattrEntry e = XattrEntry.read(seg, pos, where);
        int index = e.nameIndex();
        byte[] prefix;
        if ((index & XATTR_LONG_PREFIX) != 0) {
            int p = index & XATTR_LONG_PREFIX_MASK;
            if (p >= longPrefixes.length) {
                throw new ErofsFormatException(where + ": xattr at offset " + pos + " uses long name prefix " + p
                        + " but the image defines " + longPrefixes.length);
            }
            prefix = longPrefixes[p];
        } else {
            prefix = XattrPrefixes.prefix(index);
            if (prefix == null) {
                throw new ErofsFormatException(where + ": xattr at offset " + pos + " has unknown name index " + index);
            }
        }
        byte[] name = e.name(prefix);
        if (name.length == 0) {
            throw new ErofsFormatException(where + ": xattr at offset " + pos + " has an empty name");
        }
        return new Xattr(name, e.value());
    }

    // ------------------------------------------------------------------ checked raw access

    private void check(long off, long len) throws ErofsFormatException {
        if (off < 0 || len < 0 || off > imageSize - len) {
            throw new ErofsFormatException("read of " + len + " bytes at offset " + off
                    + " is outside the image (" + imageSize + " bytes)");
        }
    }

    private int u16(long off) throws ErofsFormatException {
        check(off, 2);
        return LittleEndian.u16(seg, off);
    }

    private long u32(long off) throws ErofsFormatException {
        check(off, 4);
        return LittleEndian.u32(seg, off);
    }

    private byte[] bytes(long off, int len) throws ErofsFormatException {
        check(off, len);
        return LittleEndian.bytes(seg, off, len);
    }
}
