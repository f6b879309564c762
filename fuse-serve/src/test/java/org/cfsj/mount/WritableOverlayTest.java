package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.sys.Xattrs;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Xattr;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writable overlay on real image mounts (the kernel composefs mount and a cfsj FUSE mount):
 * writes, changes, deletions and a directory rename go to the upper directory, the image mount
 * and the object store stay as they were; layers given by fds that came over a socket (and the
 * overlay removed as {@code cfsj umount} does); an upper and a work directory on different
 * filesystems are refused with one line.
 */
class WritableOverlayTest {
    private static final byte[] INLINE = "hello, composefs\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    Path image;
    Path objects;
    byte[] big;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: mounting overlayfs and the image needs root");
        objects = Files.createDirectory(tmp.resolve("objects"));
        big = new byte[200_000];
        new Random(7).nextBytes(big);
        Directory root = new Directory(meta(0755, 3));
        root.add(Bytes.of("inline.txt"), RegularFile.inline(meta(0644, 1), INLINE));
        root.add(Bytes.of("gone.txt"), RegularFile.inline(meta(0644, 1), Bytes.of("to be deleted")));
        byte[] digest = FsVerity.digest(big);
        Path object = objects.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, big);
        root.add(Bytes.of("big.bin"), RegularFile.external(meta(0644, 1), big.length, FsVerity.objectPath(digest), digest));
        // an image's own overlay xattrs (escaped in the image, shown as trusted.overlay.* by the
        // image mount): a writable overlay must not take them as its own metacopy and redirect
        root.add(Bytes.of("crafted"), RegularFile.inline(new Metadata(0644, 0, 0, 1_700_000_000L, 0, 1, List.of(
                new Xattr(Bytes.of("trusted.overlay.metacopy"), Bytes.of("")),
                new Xattr(Bytes.of("trusted.overlay.redirect"), Bytes.of("/inline.txt")))), Bytes.of("the crafted file's own data")));
        Directory dir = new Directory(meta(0755, 2));
        dir.add(Bytes.of("inside"), RegularFile.inline(meta(0644, 1), Bytes.of("in dir")));
        root.add(Bytes.of("dir"), dir);
        image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
    }

    private static Metadata meta(int perms, int nlink) {
        return new Metadata(perms, 0, 0, 1_700_000_000L, 0, nlink, List.of());
    }

    /** The image mounted at {@code lower} by the kernel or by a FUSE server in this process. */
    private AutoCloseable mountImage(String kind, Path lower) throws IOException {
        MountOptions options = MountOptions.builder().threads(2).quiet(true).build();
        if (kind.equals("kernel")) {
            return KernelComposefsMount.mount(image, objects, lower, options);
        }
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing");
        return ComposefsServer.start(image, objects, lower, options);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kernel", "fuse"})
    void changesLandInTheUpperAndTheImageStaysAsItIs(String kind) throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        byte[] objectBefore = Files.readAllBytes(objects.resolve(FsVerity.objectPath(FsVerity.digest(big))));
        try (AutoCloseable ignored = mountImage(kind, lower)) {
            WritableOverlay.mount(lower, upper, work, merged, new WritableOverlay.Options(false, true, false));
            try {
                Files.writeString(merged.resolve("new.txt"), "brand new\n");
                Files.writeString(merged.resolve("inline.txt"), "changed\n");
                try (var f = new java.io.RandomAccessFile(merged.resolve("big.bin").toFile(), "rw")) {
                    f.seek(1000);
                    f.write(new byte[] {1, 2, 3});
                }
                Files.delete(merged.resolve("gone.txt"));
                Files.move(merged.resolve("dir"), merged.resolve("dir2"));

                assertEquals("brand new\n", Files.readString(merged.resolve("new.txt")));
                assertEquals("changed\n", Files.readString(merged.resolve("inline.txt")));
                assertEquals("in dir", Files.readString(merged.resolve("dir2/inside")), "a renamed image directory keeps its files");
                assertFalse(Files.exists(merged.resolve("gone.txt")));
                assertFalse(Files.exists(merged.resolve("dir")));
                String options = mountOptions(merged);
                assertTrue(options.contains("nosuid") && options.contains("nodev") && options.startsWith("rw"), options);

                assertEquals("brand new\n", Files.readString(upper.resolve("new.txt")), "new files are written to the upper");
                assertEquals("changed\n", Files.readString(upper.resolve("inline.txt")), "changed files are copied up");
                assertEquals(big.length, Files.size(upper.resolve("big.bin")));
                assertTrue(Files.exists(upper.resolve("gone.txt"), LinkOption.NOFOLLOW_LINKS), "a whiteout marks the deletion");
            } finally {
                WritableOverlay.unmount(merged, false);
            }
            assertArrayEquals(INLINE, Files.readAllBytes(lower.resolve("inline.txt")), "the image mount is unchanged");
            assertArrayEquals(big, Files.readAllBytes(lower.resolve("big.bin")));
            assertTrue(Files.exists(lower.resolve("gone.txt")) && Files.exists(lower.resolve("dir/inside")));
            assertFalse(Files.exists(lower.resolve("new.txt")));
        }
        assertArrayEquals(objectBefore, Files.readAllBytes(objects.resolve(FsVerity.objectPath(FsVerity.digest(big)))),
                "the object store is unchanged");
        assertFalse(isMountPoint(merged) || isMountPoint(lower), "nothing stays mounted");
    }

    /** As the service gets them: a clone of the image mount and the upper and work directories, as fds sent over a socket. */
    @Test
    void layersGivenAsFdsFromASocket() throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        try (AutoCloseable ignored = mountImage("kernel", lower)) {
            int lowerDir = FileCalls.open(lower.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
            int imageMount = FilesystemContext.cloneMount(lowerDir); // a detached mount fd, as the service would hold
            FileCalls.close(lowerDir);
            int[] sent = {imageMount, openDir(upper), openDir(work)};
            int[] received = new int[3];
            int[] pair = Sockets.socketpair(Sockets.AF_UNIX, Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                for (int i = 0; i < 3; i++) {
                    Sockets.send(pair[0], arena.allocate(1), new int[] {sent[i]});
                    received[i] = Sockets.receiveFd(pair[1], "test socket");
                    FileCalls.close(sent[i]);
                }
            } finally {
                FileCalls.close(pair[0]);
                FileCalls.close(pair[1]);
            }
            int mnt;
            try {
                mnt = WritableOverlay.detached(received[0], received[1], received[2], true);
            } finally {
                for (int fd : received) {
                    FileCalls.close(fd);
                }
            }
            try {
                assertFalse(isMountPoint(merged), "detached: visible nowhere yet");
                FilesystemContext.moveMount(mnt, FileCalls.AT_FDCWD, merged.toString());
            } finally {
                FileCalls.close(mnt);
            }
            try {
                Files.writeString(merged.resolve("inline.txt"), "through fds\n");
                assertEquals("through fds\n", Files.readString(upper.resolve("inline.txt")));
                assertArrayEquals(INLINE, Files.readAllBytes(lower.resolve("inline.txt")));
                String options = mountOptions(merged);
                assertFalse(options.contains("nosuid") || options.contains("nodev"), "allowSuidDev: " + options);
            } finally {
                Unmount.unmount(merged, false); // as cfsj umount does: it knows a writable overlay
            }
        }
    }

    /** metacopy=off: the kernel refuses (EPERM) to follow an image's own metacopy xattr instead of serving other data. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kernel", "fuse"})
    void anImagesOwnOverlayXattrsAreNotFollowed(String kind) throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        try (AutoCloseable ignored = mountImage(kind, lower)) {
            assertEquals("the crafted file's own data", Files.readString(lower.resolve("crafted")), "the image mount shows the file");
            assertArrayEquals(new byte[0], Xattrs.get(lower.resolve("crafted").toString().getBytes(StandardCharsets.UTF_8),
                    "trusted.overlay.metacopy".getBytes(StandardCharsets.US_ASCII), "crafted"),
                    "and its escaped xattr as an overlay xattr");
            WritableOverlay.mount(lower, upper, work, merged, WritableOverlay.Options.writable(false));
            try {
                SysException e = assertThrows(SysException.class, () -> StatCalls.statx(FileCalls.AT_FDCWD,
                        merged.resolve("crafted").toString().getBytes(StandardCharsets.UTF_8), 0, "crafted"));
                assertEquals(Errno.EPERM, e.errno(), "refused, not followed: " + e.getMessage());
                assertArrayEquals(INLINE, Files.readAllBytes(merged.resolve("inline.txt")), "the rest of the image is there");
            } finally {
                WritableOverlay.unmount(merged, false);
            }
        }
    }

    @Test
    void readOnlyOptionGivesAReadOnlyMount() throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        try (AutoCloseable ignored = mountImage("kernel", lower)) {
            WritableOverlay.mount(lower, upper, work, merged, new WritableOverlay.Options(false, false, true));
            try {
                assertTrue(mountOptions(merged).startsWith("ro"), mountOptions(merged));
                assertThrows(IOException.class, () -> Files.writeString(merged.resolve("new.txt"), "x"));
                assertEquals(new String(INLINE, StandardCharsets.US_ASCII), Files.readString(merged.resolve("inline.txt")));
            } finally {
                WritableOverlay.unmount(merged, false);
            }
        }
        try (var s = Files.list(upper)) {
            assertEquals(0, s.count(), "nothing was written to the upper");
        }
    }

    @Test
    void upperAndWorkOnDifferentFilesystemsAreRefusedInOneLine() throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        int tmpfs;
        try (FilesystemContext ctx = FilesystemContext.open("tmpfs")) {
            tmpfs = ctx.set("mode", "0700").create().mount(0); // a detached tmpfs: its root is the work directory
        }
        int lowerFd = openDir(lower);
        int upperFd = openDir(upper);
        try {
            IOException e = assertThrows(IOException.class, () -> WritableOverlay.detached(lowerFd, upperFd, tmpfs, false));
            assertTrue(e.getMessage().contains("different filesystems"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        } finally {
            FileCalls.close(lowerFd);
            FileCalls.close(upperFd);
            FileCalls.close(tmpfs);
        }
        try (var s = Files.list(upper)) {
            assertEquals(0, s.count(), "nothing was written to the upper");
        }
    }

    private static int openDir(Path dir) throws IOException {
        return FileCalls.open(dir.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
    }

    private static boolean isMountPoint(Path dir) throws IOException {
        return !mountOptions(dir).isEmpty();
    }

    private static String mountOptions(Path p) throws IOException {
        String real = p.toRealPath().toString();
        String found = "";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals(real)) {
                found = f[5];
            }
        }
        return found;
    }

}
