package org.cfsj.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.sys.Xattrs;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.RandomTrees;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent reader agrees: images written from random trees, mounted by the kernel's EROFS
 * (file-backed mount(2)), show the tree's names, modes, owners, mtimes, xattrs (with composefs's
 * own overlay xattrs added), symlink targets and inline contents.
 */
class KernelErofsMountTest {
    @TempDir
    Path tmp;

    @Test
    void kernelSeesTheTreeThatWasWritten() throws Exception {
        assumeTrue(Command.isRoot(), "needs root to mount(2) an EROFS image: run the suite as root");
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("erofs"), "kernel has no EROFS support");
        for (int seed = 1; seed <= 6; seed++) {
            Directory tree = new RandomTrees(seed, RandomTrees.Profile.KERNEL_SAFE).tree(400);
            Path img = tmp.resolve("s" + seed + ".img");
            Files.write(img, ComposefsImageWriter.toBytes(tree, ComposefsImageWriter.Options.DEFAULT));
            Path mnt = Files.createDirectory(tmp.resolve("mnt" + seed));
            MountCalls.mount(img.toString(), mnt.toString(), "erofs", MountCalls.MS_RDONLY, null);
            try {
                int fd = FileCalls.openat(FileCalls.AT_FDCWD, Bytes.of(mnt.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, "mnt");
                try {
                    compareDir(tree, fd, "/", true, "seed " + seed);
                } finally {
                    FileCalls.close(fd);
                }
            } finally {
                umount(mnt);
            }
        }
    }

    private void compareDir(Directory dir, int fd, String path, boolean isRoot, String ctx) throws Exception {
        TreeMap<byte[], Node> expected = new TreeMap<>(Bytes.ORDER);
        expected.putAll(dir.entries());
        List<String> seen = new ArrayList<>();
        for (byte[] name : FileCalls.readDirectory(fd, path)) {
            seen.add(Bytes.str(name));
        }
        List<String> want = new ArrayList<>();
        expected.keySet().forEach(n -> want.add(Bytes.str(n)));
        if (isRoot) {
            for (int i = 0; i < 256; i++) {
                String w = String.format("%02x", i);
                if (!want.contains(w)) {
                    want.add(w);
                }
            }
        }
        seen.sort(null);
        want.sort(null);
        assertEquals(want, seen, ctx + ": names in " + path);

        for (Map.Entry<byte[], Node> e : expected.entrySet()) {
            byte[] name = e.getKey();
            Node node = e.getValue();
            String p = path + Bytes.str(name);
            Stat st = StatCalls.statx(fd, name, FileCalls.AT_SYMLINK_NOFOLLOW, p);
            assertEquals(Integer.toOctalString(node.mode()), Integer.toOctalString(st.mode()), ctx + ": mode of " + p);
            assertEquals(node.meta().uid(), st.uid(), ctx + ": uid of " + p);
            assertEquals(node.meta().gid(), st.gid(), ctx + ": gid of " + p);
            assertEquals(node.meta().mtimeSec(), st.mtimeSec(), ctx + ": mtime of " + p);
            assertEquals(node.meta().mtimeNsec(), st.mtimeNsec(), ctx + ": mtime nsec of " + p);
            if (!(node instanceof Directory)) {
                assertEquals(node.meta().nlink(), st.nlink(), ctx + ": nlink of " + p);
            }
            assertEquals(expectedXattrs(node), kernelXattrs(Xattrs.procPath(fd, name), p), ctx + ": xattrs of " + p);
            switch (node) {
                case Symlink s -> assertArrayEquals(s.target(), FileCalls.readlinkat(fd, name, p), ctx + ": target of " + p);
                case RegularFile f -> {
                    assertEquals(f.size(), st.size(), ctx + ": size of " + p);
                    if (f.hasContent()) {
                        int ffd = FileCalls.openat(fd, name, FileCalls.O_RDONLY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW, p);
                        try {
                            assertArrayEquals(f.content(), Io.readFully(ffd, (int) f.size(), p), ctx + ": content of " + p);
                        } finally {
                            FileCalls.close(ffd);
                        }
                    }
                }
                case Device d -> assertEquals(d.rdev(), st.rdev(), ctx + ": rdev of " + p);
                case Directory sub -> {
                    int sfd = FileCalls.openat(fd, name, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW, p);
                    try {
                        compareDir(sub, sfd, p + "/", false, ctx);
                    } finally {
                        FileCalls.close(sfd);
                    }
                }
                default -> {}
            }
        }
    }

    private static final String UNREADABLE = "<listed, but getxattr says ENODATA>";

    /** The tree's xattrs as composefs stores them: overlay names escaped, metacopy and redirect added. */
    private static Map<String, String> expectedXattrs(Node node) {
        TreeMap<String, String> m = new TreeMap<>();
        for (Xattr x : node.meta().xattrs()) {
            String n = x.nameString();
            if (n.startsWith("trusted.overlay.")) {
                n = "trusted.overlay.overlay." + n.substring("trusted.overlay.".length());
            }
            // The VFS answers ENODATA for user.* xattrs of anything but files and directories
            // (xattr_permission), though listxattr names them.
            boolean userOnSpecial = n.startsWith("user.") && !(node instanceof RegularFile || node instanceof Directory);
            m.put(n, userOnSpecial ? UNREADABLE : java.util.HexFormat.of().formatHex(x.value()));
        }
        if (node instanceof RegularFile f && f.size() > 0 && !f.hasContent()) {
            byte[] d = f.digest();
            m.put("trusted.overlay.metacopy", d == null ? "" : "00240001" + java.util.HexFormat.of().formatHex(d));
            if (f.payload() != null) {
                m.put("trusted.overlay.redirect", java.util.HexFormat.of().formatHex(Bytes.of("/" + f.payload())));
            }
        }
        return m;
    }

    private static Map<String, String> kernelXattrs(byte[] path, String what) throws Exception {
        TreeMap<String, String> m = new TreeMap<>();
        for (byte[] n : Xattrs.list(path, what)) {
            byte[] v = Xattrs.get(path, n, what);
            m.put(Bytes.str(n), v == null ? UNREADABLE : java.util.HexFormat.of().formatHex(v));
        }
        return m;
    }

    /** Unmounts {@code mnt}, lazily if it is still busy. */
    private static void umount(Path mnt) throws SysException {
        try {
            MountCalls.umount2(mnt.toString(), 0);
        } catch (SysException e) {
            MountCalls.umount2(mnt.toString(), MountCalls.MNT_DETACH);
        }
    }
}
