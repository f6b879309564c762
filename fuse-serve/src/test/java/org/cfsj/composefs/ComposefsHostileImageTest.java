package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cfsj.composefs.objects.ObjectStore;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Inode;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.sys.Errno;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted images against the filesystem itself (no mount): entries no file can have are neither
 * listed (READDIR and READDIRPLUS, in one reply or spread over many) nor found, and an external
 * file without a digest is refused unless the store is insecure.
 */
class ComposefsHostileImageTest {
    private static final Metadata DIR_META = new Metadata(0755, 0, 0, 1_700_000_000L, 0, 2, List.of());
    private static final Metadata FILE_META = new Metadata(0644, 0, 0, 1_700_000_000L, 0, 1, List.of());

    @TempDir
    Path tmp;

    /**
     * An image whose directory "d" holds "-", "--", "a_b", "c_d", "e", "zz", then renamed in place
     * to ".", "..", "a/b", "c\0d" (same lengths, so only name bytes change): d then stores two "."
     * and two ".." entries, a name with a '/' and one with a NUL, and two good names.
     */
    private Path craftedNamesImage() throws IOException {
        Directory root = new Directory(DIR_META);
        Directory d = new Directory(DIR_META);
        for (String n : List.of("-", "--", "a_b", "c_d", "e", "zz")) {
            d.add(Bytes.of(n), RegularFile.inline(FILE_META, Bytes.of(n + " content\n")));
        }
        root.add(Bytes.of("d"), d);
        Path image = tmp.resolve("names.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        renameEntry(image, "d", "-", Bytes.of("."));
        renameEntry(image, "d", "--", Bytes.of(".."));
        renameEntry(image, "d", "a_b", Bytes.of("a/b"));
        renameEntry(image, "d", "c_d", new byte[] {'c', 0, 'd'});
        return image;
    }

    @Test
    void entriesNoFileCanHaveAreNotListed() throws Exception {
        Path image = craftedNamesImage();
        try (ErofsImage img = ErofsImage.open(image); ObjectStore store = new ObjectStore(Files.createDirectory(tmp.resolve("o")), false)) {
            List<String> stored = new ArrayList<>();
            img.forEachDirent(dirInode(img, "d"), 0, e -> stored.add(printable(e.name())));
            assertEquals(List.of(".", "..", ".", "..", "a/b", "c\\0d", "e", "zz"), stored, "the crafted directory as stored");

            ComposefsFilesystem fs = new ComposefsFilesystem(img, store, false);
            long d = fs.lookup(1, Bytes.of("d")).nodeId();
            for (boolean plus : new boolean[] {false, true}) {
                for (int perReply : new int[] {1000, 1, 2, 3}) {
                    assertEquals(List.of(".", "..", "e", "zz"), list(fs, d, plus, perReply),
                            (plus ? "READDIRPLUS" : "READDIR") + ", " + perReply + " entries per reply");
                }
            }
        }
    }

    @Test
    void lookupsOfNamesNoFileCanHaveFindNothing() throws Exception {
        Path image = craftedNamesImage();
        try (ErofsImage img = ErofsImage.open(image); ObjectStore store = new ObjectStore(Files.createDirectory(tmp.resolve("o")), false)) {
            ComposefsFilesystem fs = new ComposefsFilesystem(img, store, false);
            long d = fs.lookup(1, Bytes.of("d")).nodeId();
            for (byte[] name : List.of(Bytes.of("a/b"), new byte[] {'c', 0, 'd'}, Bytes.of("."), Bytes.of(".."), Bytes.of("c"),
                    Bytes.of("a"))) {
                assertNull(fs.lookup(d, name), "lookup of " + printable(name));
            }
            Entry e = fs.lookup(d, Bytes.of("e"));
            assertNotNull(e, "a good name next to the crafted ones");
            assertArrayEquals(Bytes.of("e content\n"), read(fs, e.nodeId(), 100));
        }
    }

    @Test
    void externalFileWithoutDigestIsRefusedUnlessInsecure() throws Exception {
        byte[] content = new byte[10_000];
        new Random(5).nextBytes(content);
        Path objects = Files.createDirectory(tmp.resolve("objects"));
        String payload = FsVerity.objectPath(FsVerity.digest(content));
        Files.createDirectories(objects.resolve(payload).getParent());
        Files.write(objects.resolve(payload), content);
        Directory root = new Directory(DIR_META);
        root.add(Bytes.of("nodigest"), RegularFile.external(FILE_META, content.length, payload, null));
        Path image = tmp.resolve("nodigest.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        try (ErofsImage img = ErofsImage.open(image)) {
            for (boolean passthrough : new boolean[] {false, true}) {
                try (ObjectStore secure = new ObjectStore(objects, false)) {
                    ComposefsFilesystem fs = new ComposefsFilesystem(img, secure, passthrough);
                    long node = fs.lookup(1, Bytes.of("nodigest")).nodeId();
                    assertEquals(content.length, fs.getattr(node).size(), "its attributes are still shown");
                    FsException e = assertThrows(FsException.class, () -> fs.open(node, 0), "open, passthrough=" + passthrough);
                    assertEquals(Errno.EIO, e.errno());
                    if (!passthrough) {
                        e = assertThrows(FsException.class, () -> read(fs, node, 100), "an open-less read");
                        assertEquals(Errno.EIO, e.errno());
                    }
                    assertEquals(0, fs.openObjects());
                }
                try (ObjectStore insecure = new ObjectStore(objects, true)) {
                    ComposefsFilesystem fs = new ComposefsFilesystem(img, insecure, passthrough);
                    long node = fs.lookup(1, Bytes.of("nodigest")).nodeId();
                    long fh = passthrough ? switch (fs.open(node, 0)) {
                        case org.cfsj.fuse.fs.OpenedFile.Served s -> s.fh();
                        case org.cfsj.fuse.fs.OpenedFile.Passthrough p -> p.fh();
                    } : 0;
                    assertArrayEquals(content, read(fs, node, fh, content.length + 10), "--insecure serves it");
                    if (passthrough) {
                        fs.release(node, fh);
                    }
                    fs.destroy();
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Every name a directory lists, asking for at most {@code perReply} entries a call, as the kernel continues. */
    private static List<String> list(ComposefsFilesystem fs, long dir, boolean plus, int perReply) throws FsException {
        List<String> names = new ArrayList<>();
        long offset = 0;
        for (int calls = 0; calls < 1000; calls++) {
            Collecting c = new Collecting(plus, perReply);
            fs.readdir(dir, 0, offset, c);
            if (c.names.isEmpty()) {
                return names;
            }
            names.addAll(c.names);
            offset = c.lastOffset;
        }
        throw new AssertionError("the listing did not end: " + names);
    }

    private static final class Collecting implements DirectoryListing {
        final boolean plus;
        final int max;
        final List<String> names = new ArrayList<>();
        long lastOffset;

        Collecting(boolean plus, int max) {
            this.plus = plus;
            this.max = max;
        }

        @Override
        public boolean wantsEntries() {
            return plus;
        }

        @Override
        public boolean add(byte[] name, long ino, int type, long nextOffset, Entry entry) {
            if (names.size() >= max) {
                return false;
            }
            names.add(printable(name));
            lastOffset = nextOffset;
            return true;
        }
    }

    private static byte[] read(ComposefsFilesystem fs, long node, int max) throws FsException {
        return read(fs, node, 0, max);
    }

    private static byte[] read(ComposefsFilesystem fs, long node, long fh, int max) throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(max);
            long n = fs.read(node, fh, 0, buf);
            return buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    private static String printable(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1).replace("\0", "\\0");
    }

    private static Inode dirInode(ErofsImage img, String name) throws IOException {
        Inode root = img.inode(img.rootNid());
        Dirent d = img.lookup(root, Bytes.of(name)).orElseThrow();
        return img.inode(d.nid());
    }

    /**
     * Overwrites the name of entry {@code oldName} in the first dirent block of directory
     * {@code dirName} (a child of the root) with {@code newName} of the same length.
     */
    static void renameEntry(Path image, String dirName, String oldName, byte[] newName) throws IOException {
        byte[] old = Bytes.of(oldName);
        assertEquals(old.length, newName.length, "only names of the same length can be swapped in place");
        long block;
        try (ErofsImage img = ErofsImage.open(image)) {
            Inode dir = dirInode(img, dirName);
            block = switch (dir.layout()) {
                case ErofsLayout.LAYOUT_FLAT_PLAIN -> dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
                case ErofsLayout.LAYOUT_FLAT_INLINE ->
                        dir.size() <= ErofsLayout.BLOCK_SIZE ? dir.bodyEnd() : dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
                default -> throw new IOException("unexpected directory layout " + dir.layout());
            };
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(ErofsLayout.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, block);
            int count = Short.toUnsignedInt(b.getShort(8)) / 12; // struct erofs_dirent: nid, nameoff, type, reserved
            for (int i = 0; i < count; i++) {
                int off = Short.toUnsignedInt(b.getShort(i * 12 + 8));
                if (off + old.length <= b.limit() && Arrays.equals(b.array(), off, off + old.length, old, 0, old.length)
                        && (i + 1 == count ? b.get(off + old.length) == 0 || off + old.length == b.limit()
                                : Short.toUnsignedInt(b.getShort((i + 1) * 12 + 8)) == off + old.length)) {
                    ch.write(ByteBuffer.wrap(newName), block + off);
                    return;
                }
            }
        }
        throw new IOException("no entry " + oldName + " in " + dirName);
    }
}
