package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Chunk-based data is accepted for regular files only. A directory or symlink claiming a chunk
 * index is refused when its inode is read: every 4-byte index entry may name the same block, so a
 * few hundred KiB of image would otherwise list as millions of dirents (found by a review: a
 * 404 KB image ran a 512 MiB heap out of memory in readdir).
 */
class ChunkBasedLayoutTest {
    @Test
    void chunkBasedDirectoryIsRefused() throws Exception {
        byte[] image = ComposefsTestImages.payloadsImage();
        long rootNid;
        long inodeOffset;
        try (ErofsImage img = ErofsImage.of(image)) {
            rootNid = img.rootNid();
            assertTrue(img.inode(rootNid).isDirectory());
            inodeOffset = img.superblock().metaBlkaddr() * ErofsLayout.BLOCK_SIZE + rootNid * 32;
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int format = b.getShort((int) inodeOffset + Inode.Compact.FORMAT) & 0xffff;
        // i_format: bit 0 the inode version, bits 1-3 the data layout; i_u then holds the chunk format.
        b.putShort((int) inodeOffset + Inode.Compact.FORMAT,
                (short) ((format & ~0xe) | (ErofsLayout.LAYOUT_CHUNK_BASED << 1)));
        b.putInt((int) inodeOffset + Inode.Compact.I_U, ErofsLayout.CHUNK_FORMAT_INDEXES);

        // The root inode is checked when the image is opened.
        ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ErofsImage.of(image).close());
        assertTrue(e.getMessage().contains("nid " + rootNid + ": chunk-based layout for a directory"), e.getMessage());
    }

    @Test
    void chunkBasedRegularFilesStillRead() throws Exception {
        try (ErofsImage img = ErofsImage.of(ComposefsTestImages.payloadsImage())) {
            var big = img.lookup(img.inode(img.rootNid()), "big".getBytes()).orElseThrow();
            Inode in = img.inode(big.nid());
            assertTrue(in.isChunkBased(), "composefs writes external files chunk-based");
            assertEquals(10000, in.size());
        }
    }
}
