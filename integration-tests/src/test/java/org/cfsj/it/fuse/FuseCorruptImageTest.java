package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Superblock;
import org.cfsj.fuse.Mounts;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged images. One that is broken where every use would see it (superblock, size, root inode)
 * is refused before mounting: exit status 1, one line on stderr, nothing mounted. One whose damage
 * sits in a single directory block or inode starts, and then only that directory or inode answers
 * EIO while everything else keeps working and the server stays up. The kernel composefs mount of
 * the same damaged image is checked with the same expectations (it answers EUCLEAN, the kernel's
 * EFSCORRUPTED, where the FUSE server must answer EIO), so that they describe the reference view.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FuseCorruptImageTest {
    static final int EIO = 5;
    static final int EUCLEAN = 117;
    static final int ENOENT = 2;

    @TempDir
    Path tmp;

    /** good/ (an inline and an external file), bad/ (its entries become unreadable), inodes/ (one inode gets broken). */
    private Images.Built smallImage(Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("good"));
        Files.writeString(src.resolve("good/a.txt"), "hello\n");
        byte[] big = new byte[100_000];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("good/big"), big);
        Files.createDirectories(src.resolve("bad"));
        for (String n : List.of("x", "y", "z")) {
            Files.writeString(src.resolve("bad/" + n), n);
        }
        Files.createDirectories(src.resolve("inodes"));
        Files.writeString(src.resolve("inodes/sibling"), "still fine\n");
        Files.writeString(src.resolve("inodes/victim"), "gone\n");
        Files.writeString(src.resolve("top.txt"), "top\n");
        return Images.mkcomposefs(src, dir.resolve("image.cfs"), dir.resolve("objects"));
    }

    @Test
    void imagesBrokenEverywhereAreRefusedBeforeMounting() throws Exception {
        FuseEnvironment.requireFuse();
        Images.Built b = smallImage(tmp.resolve("base"));
        byte[] good = Files.readAllBytes(b.image());
        byte[] random = new byte[65536];
        new Random(3).nextBytes(random);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("an empty file", new byte[0]);
        cases.put("an image truncated inside its superblock", Arrays.copyOf(good, 1100));
        cases.put("an image truncated to its first 4 KiB", Arrays.copyOf(good, 4096));
        byte[] magic = good.clone();
        magic[ErofsLayout.SUPERBLOCK_OFFSET] ^= 0x5a;
        cases.put("an image with a scrambled superblock magic", magic);
        cases.put("random bytes", random);
        byte[] root = good.clone();
        root[ErofsLayout.SUPERBLOCK_OFFSET + Superblock.ROOT_NID] = (byte) 0xff;
        root[ErofsLayout.SUPERBLOCK_OFFSET + Superblock.ROOT_NID + 1] = (byte) 0xff;
        cases.put("an image whose root inode is outside it", root);

        int i = 0;
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path img = tmp.resolve("broken" + i + ".cfs");
            Files.write(img, c.getValue());
            assertRefused(img, b.objects(), tmp.resolve("refused" + i++), c.getKey());
        }
        assertRefused(Files.createDirectories(tmp.resolve("a-directory")), b.objects(), tmp.resolve("refused-dir"), "a directory as image");
        assertRefused(tmp.resolve("no-such-image"), b.objects(), tmp.resolve("refused-missing"), "a missing image");
    }

    @Test
    void badMountpointsAndBasedirsAreRefused() throws Exception {
        FuseEnvironment.requireFuse();
        Images.Built b = smallImage(tmp.resolve("base"));
        assertRefused(b.image(), tmp.resolve("no-such-objects"), tmp.resolve("r1"), "a missing --basedir");
        Path notDir = Files.writeString(tmp.resolve("plain-file"), "x");
        assertRefused(b.image(), notDir, tmp.resolve("r2"), "a --basedir that is a file");
        Result r = Cfsj.command("fuse-serve", b.image().toString(), tmp.resolve("no-such-mnt").toString(), "--basedir", b.objects().toString()).timeoutSeconds(60).run();
        assertOneLineError(r.exit(), r.err(), "a missing mountpoint");
        // a mountpoint that is already a mount
        Path busy = Files.createDirectories(tmp.resolve("busy"));
        MountCalls.mount("tmpfs", busy.toString(), "tmpfs", 0, "size=1m");
        try {
            r = Cfsj.command("fuse-serve", b.image().toString(), busy.toString(), "--basedir", b.objects().toString()).timeoutSeconds(60).run();
            assertOneLineError(r.exit(), r.err(), "a mountpoint that is already a mount");
            List<Mounts.MountEntry> stacked = Mounts.under(busy);
            assertEquals(1, stacked.size(), "only the tmpfs may be mounted at " + busy + ": " + stacked);
        } finally {
            FuseEnvironment.forceUnmount(busy);
        }
    }

    private void assertRefused(Path image, Path objects, Path work, String what) throws Exception {
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        FuseServer.Exit e = FuseServer.runExpectingFailure(image, mnt, objects, work);
        assertOneLineError(e.code(), e.stderr(), what);
        assertFalse(Mounts.isMountPoint(mnt), what + ": something is mounted at " + mnt);
    }

    private static void assertOneLineError(int exit, String stderr, String what) {
        assertEquals(1, exit, what + ": exit status; stderr:\n" + stderr);
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), what + ": stderr must be one line (no stack trace), was:\n" + stderr);
        assertTrue(lines.getFirst().startsWith("cfsj fuse-serve: "), what + ": the message should say who complains: " + lines.getFirst());
    }

    private Images.Built damagedImage(Path dir) throws Exception {
        Images.Built b = smallImage(dir);
        ImageCorruption.breakDirectory(b.image(), "bad");
        ImageCorruption.breakInode(b.image(), "inodes/victim");
        return b;
    }

    /** The reference: the kernel composefs mount of the damaged image. */
    @Test
    void kernelShowsLaterDamageOnlyWhereItIs() throws Exception {
        FuseEnvironment.requireKernelComposefs();
        Images.Built b = damagedImage(tmp.resolve("k"));
        Path kmnt = Files.createDirectories(tmp.resolve("k/mnt"));
        try (KernelComposefsMount k = KernelComposefsMount.mount(b.image(), b.objects(), kmnt, MountOptions.builder().build())) {
            // the kernel's EROFS lookup skips names it cannot read (namei.c), so a lookup in the
            // broken directory finds nothing rather than failing: ENOENT is its answer there
            assertDamageContained(b, kmnt, Set.of(EIO, EUCLEAN), Set.of(EIO, EUCLEAN, ENOENT), "kernel");
        }
    }

    @Test
    void fuseAnswersEioOnlyWhereTheDamageIsAndStaysUp() throws Exception {
        FuseEnvironment.requireFuse();
        Images.Built b = damagedImage(tmp.resolve("f"));
        Path mnt = Files.createDirectories(tmp.resolve("f/mnt"));
        try (FuseServer server = FuseServer.start(b.image(), mnt, b.objects(), tmp.resolve("f/server"), 120)) {
            assertDamageContained(b, mnt, Set.of(EIO), Set.of(EIO), "FUSE");
            assertDamageContained(b, mnt, Set.of(EIO), Set.of(EIO), "FUSE, second time");
            assertTrue(server.isAlive(), "the server died after answering EIO; stderr:\n" + server.stderr());
            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertTrue(exit.stat("eio") >= 3, "the stats should count the EIO answers: " + exit.stats());
        }
    }

    /**
     * @param errnos       what reading the broken directory and stat-ing the broken inode may fail with
     * @param lookupErrnos what looking a name up in the broken directory may fail with
     */
    private static void assertDamageContained(Images.Built b, Path mnt, Set<Integer> errnos, Set<Integer> lookupErrnos, String view)
            throws Exception {
        String ctx = view + " view of the damaged image";
        for (String ok : List.of("good/a.txt", "good/big", "inodes/sibling", "top.txt")) {
            assertArrayEquals(Files.readAllBytes(b.source().resolve(ok)), TreeFiles.read(mnt, Bytes.of(ok)), ctx + ": " + ok);
        }
        assertEquals(new TreeSet<>(List.of("bad", "good", "inodes", "top.txt")), names(mnt), ctx + ": the root lists its entries");
        assertEquals(new TreeSet<>(List.of("a.txt", "big")), names(mnt.resolve("good")), ctx + ": good/");
        // the directory itself is fine (its inode is intact); its entries are not
        assertTrue(Files.isDirectory(mnt.resolve("bad")), ctx + ": bad/ is still a directory");
        assertErrno(errnos, () -> names(mnt.resolve("bad")), ctx + ": listing bad/");
        assertErrno(lookupErrnos, () -> StatCalls.statx(FileCalls.AT_FDCWD, Bytes.of(mnt + "/bad/x"), FileCalls.AT_SYMLINK_NOFOLLOW, "bad/x"), ctx + ": stat bad/x");
        // a broken inode: looking it up fails, its name is still listed (names live in the parent: checked last)
        assertErrno(errnos, () -> StatCalls.statx(FileCalls.AT_FDCWD, Bytes.of(mnt + "/inodes/victim"), FileCalls.AT_SYMLINK_NOFOLLOW, "victim"),
                ctx + ": stat inodes/victim");
        assertArrayEquals(Bytes.of("still fine\n"), TreeFiles.read(mnt, Bytes.of("inodes/sibling")), ctx + ": inodes/sibling after the failures");
        Set<String> listed;
        try {
            listed = names(mnt.resolve("inodes"));
        } catch (SysException e) {
            throw new AssertionError(ctx + ": listing inodes/ failed (" + e.getMessage() + "); the kernel lists the names of a directory"
                    + " even when one entry's inode is broken (names live in the directory), so readdir(plus) must not fail as a whole", e);
        }
        assertEquals(new TreeSet<>(List.of("sibling", "victim")), listed, ctx + ": inodes/ lists both names");
    }

    private static Set<String> names(Path dir) throws IOException {
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, Bytes.of(dir.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, dir.toString());
        try {
            Set<String> out = new TreeSet<>();
            FileCalls.readDirectory(fd, dir.toString()).forEach(n -> out.add(Bytes.str(n)));
            return out;
        } finally {
            FileCalls.close(fd);
        }
    }

    @FunctionalInterface
    interface IoAction {
        Object run() throws IOException;
    }

    private static void assertErrno(Set<Integer> errnos, IoAction action, String what) {
        try {
            Object r = action.run();
            fail(what + ": expected errno " + errnos + ", but it succeeded: " + r);
        } catch (SysException e) {
            assertTrue(errnos.contains(e.errno()), what + ": expected errno " + errnos + ", got " + e.errno() + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            fail(what + ": expected errno " + errnos + ", got " + e);
        }
    }
}
