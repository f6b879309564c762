package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;

/** Each on-disk structure reads back what it wrote, field by field. */
class OnDiskStructsTest {
    private static final int IMAGE = 8192;

    private static Superblock superblock() {
        byte[] uuid = new byte[16];
        uuid[3] = 9;
        return new Superblock(0, FEATURE_COMPAT_MTIME, BLOCK_BITS, 0, 36, 300, 1_700_000_000L, 12, 77, 0, 1,
                uuid, new byte[16], FEATURE_INCOMPAT_CHUNKED_FILE, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void superblockAndComposefsHeader() throws ErofsFormatException {
        MemorySegment image = MemorySegment.ofArray(new byte[IMAGE]);
        ComposefsHeader header = new ComposefsHeader(COMPOSEFS_MAGIC, COMPOSEFS_VERSION, COMPOSEFS_FLAGS_HAS_ACL, 1);
        header.write(image);
        Superblock sb = superblock();
        sb.write(image.asSlice(SUPERBLOCK_OFFSET));
        assertEquals(header, ComposefsHeader.read(image).orElseThrow());
        Superblock back = Superblock.read(image);
        assertEquals(sb.rootNid(), back.rootNid());
        assertEquals(sb.inos(), back.inos());
        assertEquals(sb.buildTime(), back.buildTime());
        assertEquals(sb.buildTimeNsec(), back.buildTimeNsec());
        assertEquals(sb.blocks(), back.blocks());
        assertEquals(sb.xattrBlkaddr(), back.xattrBlkaddr());
        assertEquals(sb.featureIncompat(), back.featureIncompat());
        assertArrayEquals(sb.uuid(), back.uuid());
        image.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0);
        assertTrue(ComposefsHeader.read(image).isEmpty(), "no composefs magic, no header");
    }

    @Test
    void compactAndExtendedInodes() throws ErofsFormatException {
        MemorySegment image = MemorySegment.ofArray(new byte[IMAGE]);
        Superblock sb = superblock();
        Inode compact = new Inode(2, 64, false, LAYOUT_FLAT_INLINE, 0100644, 3, 1000, 100, 5000,
                sb.buildTime(), sb.buildTimeNsec(), 0, 7, 0, 0, 0);
        compact.write(image.asSlice(compact.offset()));
        assertEquals(compact, Inode.read(image, 2, 64, sb));
        Inode extended = new Inode(4, 128, true, LAYOUT_CHUNK_BASED, 0100600, 70000, 1 << 20, 1 << 21, 1L << 40,
                42, 999, 0, 8, 3, 3, XattrIbody.areaSize(3));
        extended.write(image.asSlice(extended.offset()));
        assertEquals(extended, Inode.read(image, 4, 128, sb));
        Inode device = new Inode(8, 256, false, LAYOUT_FLAT_PLAIN, 0020644, 1, 0, 0, 0,
                sb.buildTime(), sb.buildTimeNsec(), 0x0801, 9, 0x0801, 0, 0);
        device.write(image.asSlice(device.offset()));
        assertEquals(device, Inode.read(image, 8, 256, sb));
    }

    @Test
    void direntBlock() {
        List<Dirent> entries = List.of(new Dirent(Bytes.of("."), 36, FT_DIR, 0), new Dirent(Bytes.of(".."), 36, FT_DIR, 1),
                new Dirent(Bytes.of("file"), 40, FT_REG_FILE, 2));
        MemorySegment block = MemorySegment.ofArray(new byte[BLOCK_SIZE]);
        DirentBlock.write(entries, block);
        assertEquals(3 * DIRENT_SIZE + 1 + 2 + 4, DirentBlock.size(entries));
        assertEquals(3 * DIRENT_SIZE, Dirent.nameOffset(block, 0), "the first name offset counts the entries");
        assertEquals(entries.get(2), Dirent.read(block, 2L * DIRENT_SIZE, Bytes.of("file"), 2));
        assertDoesNotThrow(() -> {
            DirentBlock read = DirentBlock.read(block, 0, DirentBlock.size(entries), 36, 0);
            assertEquals(3, read.count());
            for (int i = 0; i < 3; i++) {
                assertEquals(entries.get(i), read.dirent(i, i));
            }
        });
        assertEquals(3 * DIRENT_SIZE + 3, Dirent.nameOffset(block, 2L * DIRENT_SIZE));
    }

    @Test
    void xattrEntriesAndIbody() throws ErofsFormatException {
        XattrEntry user = XattrEntry.of(Bytes.of("user.a"), Bytes.of("v"));
        assertEquals(XATTR_INDEX_USER, user.nameIndex());
        assertArrayEquals(Bytes.of("a"), user.suffix());
        assertEquals(8, user.size());
        XattrEntry lustre = XattrEntry.of(Bytes.of("lustre.x"), new byte[0]);
        assertEquals(XATTR_INDEX_NONE, lustre.nameIndex(), "composefs stores lustre.* names whole");
        assertEquals(XATTR_INDEX_POSIX_ACL_DEFAULT, XattrEntry.of(Bytes.of("system.posix_acl_default"), new byte[0]).nameIndex());

        MemorySegment image = MemorySegment.ofArray(new byte[IMAGE]);
        user.write(image.asSlice(100));
        XattrEntry back = XattrEntry.read(image, 100, "test");
        assertEquals(user.nameIndex(), back.nameIndex());
        assertArrayEquals(Bytes.of("user.a"), back.name(XattrPrefixes.prefix(back.nameIndex())));
        assertArrayEquals(user.value(), back.value());

        Inode in = new Inode(0, 0, false, LAYOUT_FLAT_PLAIN, 0100644, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                XattrIbody.icount(XATTR_IBODY_HEADER_SIZE + 8), XATTR_IBODY_HEADER_SIZE + 8);
        XattrIbody ibody = new XattrIbody(XattrIbody.nameFilter(List.of(user)), new long[] {5, 6});
        ibody.write(image.asSlice(in.inodeSize()));
        XattrIbody read = XattrIbody.read(image, in);
        assertEquals(ibody.nameFilter(), read.nameFilter());
        assertArrayEquals(ibody.sharedIds(), read.sharedIds());
        assertEquals(XATTR_IBODY_HEADER_SIZE + 8, XattrIbody.areaSize(XattrIbody.icount(XATTR_IBODY_HEADER_SIZE + 8)));
    }
}
