package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Inode;
import org.cfsj.tree.Bytes;

/**
 * Damage that is only found when a particular inode or directory is used, placed with the EROFS
 * reader: the offsets of an inode and of a directory's first dirent block.
 */
final class ImageCorruption {
    private ImageCorruption() {}

    /** The inode at {@code path} ("a/b/c", relative to the root) in the image. */
    static Inode resolve(ErofsImage img, String path) throws IOException {
        Inode in = img.inode(img.rootNid());
        for (String part : path.split("/")) {
            Dirent d = img.lookup(in, Bytes.of(part)).orElseThrow(() -> new IOException("no " + part + " in " + path));
            in = img.inode(d.nid());
        }
        return in;
    }

    /** Image offset of the first block of a directory's entries. */
    static long firstDirentBlock(Inode dir) {
        if (!dir.isDirectory() || dir.size() == 0) {
            throw new IllegalArgumentException("nid " + dir.nid() + " is not a non-empty directory");
        }
        return switch (dir.layout()) {
            case ErofsLayout.LAYOUT_FLAT_PLAIN -> dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
            // the tail block is stored inline after the inode; a directory of one block is all tail
            case ErofsLayout.LAYOUT_FLAT_INLINE -> dir.size() <= ErofsLayout.BLOCK_SIZE ? dir.bodyEnd() : dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
            default -> throw new IllegalArgumentException("nid " + dir.nid() + ": unexpected directory layout " + dir.layout());
        };
    }

    /**
     * Makes the directory's first dirent claim a name offset past the end of its block: the
     * directory's entries can no longer be read or looked up, while its own inode is fine. (An
     * offset inside the block that is merely misaligned is not enough: the kernel's lookup then
     * just finds no name and answers ENOENT.)
     */
    static void breakDirectory(Path image, String dirPath) throws IOException {
        long at;
        try (ErofsImage img = ErofsImage.open(image)) {
            at = firstDirentBlock(resolve(img, dirPath)) + 8; // nameoff of dirent 0 (le16)
        }
        writeLe16(image, at, 0xfff0);
    }

    /**
     * Gives the inode at {@code path} a mode without a file type: corrupt for every reader (an
     * unknown i_format would not do: the kernel answers EOPNOTSUPP, as for a feature it lacks).
     */
    static void breakInode(Path image, String path) throws IOException {
        long at;
        try (ErofsImage img = ErofsImage.open(image)) {
            at = resolve(img, path).offset() + Inode.Compact.MODE; // the same offset in extended inodes
        }
        writeLe16(image, at, 0644);
    }

    static void writeLe16(Path file, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value);
            ch.write(b, offset);
        }
    }

    static void writeBytes(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }
}
