package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input: mutates valid images (bit flips, byte overwrites, truncation, huge or negative
 * values in known fields) and walks each result completely. The only exception allowed out of
 * the reader is {@link ErofsFormatException}; nothing may hang.
 *
 * <p>The seed is fixed (override with {@code -Dcfsj.fuzz.seed=N}) and printed on failure with the
 * case number and mutation, so any failure can be replayed.
 *
 * <p>Bases: mkfs.erofs images (several layouts), a mkfs.erofs image of a tree carrying
 * composefs's overlay xattrs with a composefs header patched in, and real composefs images
 * ({@link ComposefsTestImages}: written by cfsj's writer, byte-identical to C mkcomposefs output).
 */
class MutationTest {
    private static final long SEED = Long.getLong("cfsj.fuzz.seed", 0x5eed_c0de_2025L);
    private static final int TOTAL_MUTATIONS = 12_000;

    @TempDir
    static Path tmp;

    static final List<byte[]> bases = new ArrayList<>();
    static final List<String> baseNames = new ArrayList<>();

    @BeforeAll
    static void buildBases() throws IOException {
        MkfsErofs.assumeAvailable();
        Path small = tmp.resolve("small");
        buildSmallTree(small);
        Path cfs = tmp.resolve("cfs");
        ComposefsSemanticsTest.buildOverlayTree(cfs);
        addBase("default", withoutChecksum(mkfs("a", small)));
        addBase("noinline", withoutChecksum(mkfs("b", small, "-Enoinline_data")));
        addBase("chunk-indexes", withoutChecksum(mkfs("c", small, "-Eforce-chunk-indexes", "--chunksize=8192")));
        addBase("compact-with-checksum", mkfs("d", small, "-Eforce-inode-compact", "-T0"));
        addBase("composefs-like", ComposefsSemanticsTest.withComposefsHeader(
                withoutChecksum(mkfs("e", cfs, "--chunksize=4096", "-T0"))));
        for (ComposefsTestImages.Sample sample : ComposefsTestImages.all()) {
            addBase("composefs " + sample.name(), sample.image());
        }
    }

    private static void addBase(String name, byte[] image) throws IOException {
        // every base must itself be readable, or mutating it proves nothing
        try (ErofsImage img = ErofsImage.of(image)) {
            ImageTree.read(img);
        }
        walk(image);
        bases.add(image);
        baseNames.add(name);
    }

    private static byte[] mkfs(String name, Path src, String... options) throws IOException {
        return Files.readAllBytes(MkfsErofs.mkfs(tmp.resolve(name + ".erofs"), src, options));
    }

    /** Clears the superblock checksum feature so mutated superblock fields reach the code behind it. */
    static byte[] withoutChecksum(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int at = ErofsLayout.SUPERBLOCK_OFFSET + Superblock.FEATURE_COMPAT;
        b.putInt(at, b.getInt(at) & ~ErofsLayout.FEATURE_COMPAT_SB_CHKSUM);
        return image;
    }

    static void buildSmallTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("dir/sub"));
        Files.createDirectories(root.resolve("big-dir"));
        for (int i = 0; i < 150; i++) {
            Files.writeString(root.resolve("big-dir/name-" + i), "x".repeat(i % 7));
        }
        Random r = new Random(1);
        for (int size : new int[] {0, 1, 100, 4095, 4096, 9000}) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            Files.write(root.resolve("file-" + size), b);
        }
        Files.createSymbolicLink(root.resolve("link"), Path.of("file-1"));
        Files.createSymbolicLink(root.resolve("dir/longlink"), Path.of("t".repeat(3000)));
        Files.createLink(root.resolve("dir/hard"), root.resolve("file-100"));
        MkfsErofs.run("mkfifo", root.resolve("fifo").toString());
        if (MkfsErofs.isRoot()) {
            MkfsErofs.run("mknod", root.resolve("dev").toString(), "c", "4", "5");
        }
        MkfsErofs.setfattr(root.resolve("file-1"), "user.a", new byte[] {1, 2, 3});
        MkfsErofs.setfattr(root.resolve("file-1"), "trusted.b", "bee".getBytes(StandardCharsets.US_ASCII));
        MkfsErofs.setfattr(root.resolve("dir"), "security.c", new byte[300]);
        for (int i = 0; i < 5; i++) {
            MkfsErofs.setfattr(root.resolve("big-dir/name-" + i), "user.shared", new byte[] {9, 9});
        }
    }

    @Test
    void mutatedImagesOnlyEverFailWithErofsFormatException() {
        long start = System.nanoTime();
        int[] total = {0};
        int[] rejected = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(50), () -> {
            for (int b = 0; b < bases.size(); b++) {
                byte[] base = bases.get(b);
                List<long[]> fields = knownFields(base);
                Random rnd = new Random(SEED + b);
                for (int i = 0; i < TOTAL_MUTATIONS / bases.size(); i++) {
                    StringBuilder what = new StringBuilder();
                    byte[] img = mutate(base, fields, rnd, what);
                    total[0]++;
                    try {
                        if (walk(img) > 0) {
                            rejected[0]++;
                        }
                    } catch (ErofsFormatException expected) {
                        rejected[0]++;
                    } catch (Throwable t) {
                        throw new AssertionError("seed " + SEED + ", base " + baseNames.get(b) + ", case " + i
                                + ", mutation [" + what + "]: " + t, t);
                    }
                }
            }
        }, () -> "mutation batch timed out (seed " + SEED + ")");
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("MutationTest: %d mutated images walked in %d ms, %d with at least one ErofsFormatException (seed %d)%n",
                total[0], ms, rejected[0], SEED);
        assertTrue(total[0] >= 10_000);
        // most mutations must be caught, but not all of them: many only change data bytes
        assertTrue(rejected[0] > total[0] / 10, "suspiciously few rejections: " + rejected[0]);
    }

    /** Offsets and sizes of fields worth hitting: superblock fields, inode fields, dirent fields. */
    static List<long[]> knownFields(byte[] image) throws IOException {
        List<long[]> f = new ArrayList<>();
        int sb = ErofsLayout.SUPERBLOCK_OFFSET;
        for (int[] field : new int[][] {
            {Superblock.ROOT_NID, 2}, {Superblock.META_BLKADDR, 4}, {Superblock.XATTR_BLKADDR, 4},
            {Superblock.BLKSZBITS, 1}, {Superblock.FEATURE_INCOMPAT, 4}, {Superblock.FEATURE_COMPAT, 4},
            {Superblock.XATTR_PREFIX_COUNT, 1}, {Superblock.XATTR_PREFIX_START, 4},
            {Superblock.PACKED_NID, 8}, {Superblock.SB_EXTSLOTS, 1}, {Superblock.DIRBLKBITS, 1},
            {Superblock.BUILD_TIME, 8}, {Superblock.BUILD_TIME_NSEC, 4}, {Superblock.MAGIC, 4},
        }) {
            f.add(new long[] {sb + field[0], field[1]});
        }
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
                long o = in.offset();
                f.add(new long[] {o + Inode.Compact.FORMAT, 2});
                f.add(new long[] {o + Inode.Compact.XATTR_ICOUNT, 2});
                f.add(new long[] {o + Inode.Compact.MODE, 2});
                f.add(new long[] {o + Inode.Compact.I_U, 4});
                f.add(in.extended() ? new long[] {o + Inode.Extended.SIZE, 8} : new long[] {o + Inode.Compact.SIZE, 4});
                f.add(in.extended() ? new long[] {o + Inode.Extended.NLINK, 4} : new long[] {o + Inode.Compact.NLINK, 2});
                if (in.xattrIcount() > 0) {
                    long x = o + in.inodeSize();
                    f.add(new long[] {x + 4, 1}); // shared count
                    f.add(new long[] {x + 12, 4}); // first shared id or first entry header
                    f.add(new long[] {x + 14, 2});
                }
                if (in.isChunkBased() && in.size() > 0) {
                    f.add(new long[] {in.chunkIndexOffset(), in.chunkEntrySize()});
                }
                if (in.isDirectory()) {
                    long blocks = (in.size() + ErofsLayout.BLOCK_SIZE - 1) / ErofsLayout.BLOCK_SIZE;
                    for (long b = 0; b < blocks; b++) {
                        long blockOff = in.layout() == ErofsLayout.LAYOUT_FLAT_INLINE && b == blocks - 1
                                ? in.bodyEnd()
                                : in.rawBlkaddr() * ErofsLayout.BLOCK_SIZE + b * ErofsLayout.BLOCK_SIZE;
                        int count = (ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getShort((int) blockOff + 8) & 0xFFFF) / 12;
                        for (int i = 0; i < count; i++) {
                            f.add(new long[] {blockOff + 12L * i, 8}); // nid
                            f.add(new long[] {blockOff + 12L * i + 8, 2}); // nameoff
                        }
                    }
                    for (Dirent d : img.readdir(in)) {
                        todo.add(d.nid());
                    }
                }
            }
        }
        return f;
    }

    private static final long[] NASTY = {0, 1, -1, 0xFF, 0xFFFF, 0x7FFF, 0x8000, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL,
        Long.MAX_VALUE, Long.MIN_VALUE, 4095, 4096, 4097, 12, 13, 255, 256, 1L << 40};

    static byte[] mutate(byte[] base, List<long[]> fields, Random rnd, StringBuilder what) {
        byte[] img = base.clone();
        int kinds = 1 + rnd.nextInt(3);
        for (int k = 0; k < kinds; k++) {
            int choice = rnd.nextInt(100);
            if (choice < 40) {
                long[] field = fields.get(rnd.nextInt(fields.size()));
                long v = rnd.nextInt(3) == 0 ? rnd.nextLong() : NASTY[rnd.nextInt(NASTY.length)];
                if (rnd.nextInt(5) == 0) {
                    v = read(img, (int) field[0], (int) field[1]) + (rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextInt(64));
                }
                write(img, (int) field[0], (int) field[1], v);
                what.append(String.format("field@%d/%d=0x%x; ", field[0], field[1], v));
            } else if (choice < 65) {
                int at = hotOffset(img, fields, rnd);
                int bit = rnd.nextInt(8);
                img[at] ^= (byte) (1 << bit);
                what.append("flip@").append(at).append('.').append(bit).append("; ");
            } else if (choice < 90) {
                int at = hotOffset(img, fields, rnd);
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
            } else {
                int len = rnd.nextInt(img.length);
                img = Arrays.copyOf(img, len);
                what.append("truncate to ").append(len).append("; ");
                if (img.length == 0) {
                    break;
                }
            }
        }
        return img;
    }

    /** Mostly near a known field (metadata), sometimes anywhere. */
    private static int hotOffset(byte[] img, List<long[]> fields, Random rnd) {
        if (rnd.nextInt(4) == 0) {
            return rnd.nextInt(img.length);
        }
        long[] field = fields.get(rnd.nextInt(fields.size()));
        long at = field[0] + rnd.nextInt(64) - 16;
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

    /**
     * Walks everything reachable through the public API: every directory (readdir, lookup of every
     * name, readdir from an offset), every inode, its xattrs, symlink target and data, then the
     * whole tree with composefs and plain semantics. An {@link ErofsFormatException} for one inode
     * does not stop the walk (more of a damaged image gets exercised); any other exception escapes.
     *
     * @return the number of ErofsFormatExceptions met
     */
    static int walk(byte[] image) throws IOException {
        int errors = 0;
        try (ErofsImage img = ErofsImage.of(image)) {
            img.superblock();
            img.composefsHeader();
            Deque<Long> todo = new ArrayDeque<>();
            Set<Long> seen = new HashSet<>();
            todo.add(img.rootNid());
            MemorySegment buf = MemorySegment.ofArray(new byte[8192]);
            while (!todo.isEmpty() && seen.size() < 10_000) {
                long nid = todo.pop();
                if (!seen.add(nid)) {
                    continue;
                }
                try {
                    Inode in = img.inode(nid);
                    img.xattrs(in);
                    if (in.isSymlink()) {
                        img.readlink(in);
                    }
                    if (in.isRegular() || in.isDirectory() || in.isSymlink()) {
                        long limit = Math.min(in.size(), 1 << 18);
                        for (long off = 0; off < limit; off += buf.byteSize()) {
                            img.read(in, off, buf);
                        }
                        if (in.size() > 0) {
                            img.read(in, in.size() - 1, buf); // last byte, wherever it lives
                        }
                        img.dataSlice(in, limit / 2, 100);
                    }
                    if (in.isDirectory()) {
                        List<Dirent> entries = img.readdir(in);
                        for (Dirent d : entries) {
                            img.lookup(in, d.name());
                            todo.add(d.nid());
                        }
                        img.forEachDirent(in, entries.size() / 2, d -> true);
                    }
                } catch (ErofsFormatException e) {
                    errors++;
                }
            }
            for (ImageTree.Options options : List.of(ImageTree.Options.forImage(img),
                    new ImageTree.Options(true, 1 << 20, false), ImageTree.Options.plain())) {
                try {
                    ImageTree.read(img, options);
                } catch (ErofsFormatException e) {
                    errors++;
                }
            }
        }
        return errors;
    }

    @Test
    void hugeClaimedSizesAreRejected() throws IOException {
        // a regular file claiming 2^62 (extended) or 2^32-1 (compact) bytes must be rejected, not allocated
        for (int b = 0; b < bases.size(); b++) {
            byte[] base = bases.get(b).clone();
            String name = baseNames.get(b);
            boolean changed = false;
            try (ErofsImage img = ErofsImage.of(base)) {
                for (Dirent d : img.readdir(img.inode(img.rootNid()))) {
                    Inode in = img.inode(d.nid());
                    if (in.isRegular() && in.size() > 0) {
                        if (in.extended()) {
                            write(base, (int) in.offset() + Inode.Extended.SIZE, 8, 1L << 62);
                        } else {
                            write(base, (int) in.offset() + Inode.Compact.SIZE, 4, 0xFFFFFFFFL);
                        }
                        changed = true;
                        break;
                    }
                }
            }
            if (!changed) {
                continue; // no non-empty regular file at the root of this base
            }
            try (ErofsImage img = ErofsImage.of(base)) {
                ErofsFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ErofsFormatException.class,
                        () -> ImageTree.read(img, ImageTree.Options.plain()), name);
                assertTrue(e.getMessage().contains("nid"), e.getMessage());
            }
            assertTrue(walk(base) > 0);
        }
    }
}
