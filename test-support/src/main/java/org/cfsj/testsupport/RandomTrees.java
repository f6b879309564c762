package org.cfsj.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cfsj.sys.Stat;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * Random trees of the {@code tree} model, the same tree for the same seed and profile. Every tree
 * covers every file type, hardlinks, names of up to 255 bytes of any byte but '/' and NUL, binary
 * xattrs (trusted.overlay.* too, which composefs must escape), odd modes, owners and nanosecond
 * mtimes, empty and deep directories. The {@link Profile} says what the tree is for:
 *
 * <ul>
 *   <li>{@link Profile#IMAGE}: to be written as an image directly (inline files at and around the
 *       block and inline limits, external files with and without digests whose objects do not
 *       exist, ACL and system.* xattrs);
 *   <li>{@link Profile#KERNEL_SAFE}: the same without what a raw kernel EROFS mount shows
 *       differently on purpose (ACL xattrs, which the kernel parses);
 *   <li>{@link Profile#ON_DISK}: to be written to a real directory and turned into an image by
 *       {@code cfsj mkcomposefs}: every regular file has its content (sizes where composefs changes
 *       its mind: 0, 1, 64 = the inline limit, 65, around 4 KiB, 1 MiB, and random ones; some
 *       contents repeated), devices with real device numbers, sockets, chains of long directory
 *       names thousands of bytes deep (relative paths stay below {@link #MAX_DISK_PATH}, so every
 *       tool can still name every entry), user.* xattrs only where the VFS allows them (regular
 *       files and directories).
 * </ul>
 *
 * <p>Non-directories have their link count set to their number of names.
 */
public final class RandomTrees {
    /** Inline sizes around the tail-packing and block limits (C composefs caps inline at 5000). */
    public static final int[] INLINE_SIZES = {1, 2, 63, 64, 65, 2047, 2048, 2049, 4000, 4095, 4096, 4097, 5000};

    /** What a tree is for (see the class comment). */
    public enum Profile { IMAGE, KERNEL_SAFE, ON_DISK }

    /** Longest relative path in an {@link Profile#ON_DISK} tree: the root's own path must fit below PATH_MAX too. */
    public static final int MAX_DISK_PATH = 3500;

    /** File sizes an {@link Profile#ON_DISK} tree favours: where composefs changes its mind. */
    static final int[] DISK_SIZES = {0, 1, 63, 64, 65, 4095, 4096, 4097, 1 << 20};
    private static final String[] DISK_XATTRS = {"user.a", "user.mime_type", "user.overlay.x", "trusted.foo", "trusted.overlay.custom",
        "trusted.bin"};

    private final Random rnd;
    private final Profile profile;
    private final boolean kernelSafe;
    private final List<Node> linkable = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();
    private int budget;
    private int bigFiles;

    public RandomTrees(long seed, Profile profile) {
        this.rnd = new Random(seed);
        this.profile = profile;
        this.kernelSafe = profile == Profile.KERNEL_SAFE;
    }

    /** A tree of about {@code entries} entries below the root. */
    public Directory tree(int entries) {
        budget = entries;
        Directory root;
        if (profile == Profile.ON_DISK) {
            root = new Directory(diskMeta(true, false, false));
            fillOnDisk(root, 0, 0);
        } else {
            root = new Directory(meta(0755));
            fill(root, 0);
        }
        java.util.IdentityHashMap<Node, Integer> names = new java.util.IdentityHashMap<>();
        count(root, names);
        names.forEach((n, c) -> {
            if (!(n instanceof Directory)) {
                n.setMeta(n.meta().withNlink(c));
            }
        });
        return root;
    }

    private static void count(Directory dir, java.util.IdentityHashMap<Node, Integer> names) {
        for (Node n : dir.entries().values()) {
            names.merge(n, 1, Integer::sum);
            if (n instanceof Directory d) {
                count(d, names);
            }
        }
    }

    private void fill(Directory dir, int depth) {
        int n = depth == 0 ? 12 + rnd.nextInt(10) : rnd.nextInt(depth > 6 ? 3 : 14);
        for (int i = 0; i < n && budget > 0; i++, budget--) {
            byte[] name = name();
            Node child = switch (rnd.nextInt(20)) {
                case 0, 1, 2 -> new Directory(meta(0755));
                case 3 -> deep(depth);
                case 4, 5 -> new Symlink(meta(0777), target());
                case 6 -> new Device(meta(0600), rnd.nextBoolean(), rnd.nextInt(1 << 20) + 1);
                case 7 -> new Fifo(meta(0644));
                case 8 -> new Socket(meta(0755));
                case 9 -> linkable.isEmpty() ? file() : linkable.get(rnd.nextInt(linkable.size()));
                case 10 -> RegularFile.external(meta(0644), 1 + rnd.nextLong(1L << 40), null, null);
                case 11 -> RegularFile.inline(meta(0644), new byte[0]);
                default -> file();
            };
            if (!dir.add(name, child)) {
                continue;
            }
            if (child instanceof RegularFile || child instanceof Symlink) {
                linkable.add(child);
            }
            if (child instanceof Directory d && depth < 12) {
                fill(d, depth + 1);
            }
        }
    }

    /** A chain of single-entry directories, for deep paths. */
    private Node deep(int depth) {
        Directory top = new Directory(meta(0700));
        Directory cur = top;
        for (int i = 0; i < 8 + rnd.nextInt(16); i++) {
            Directory next = new Directory(meta(0755));
            cur.add(Bytes.of("d" + i), next);
            cur = next;
        }
        cur.add(Bytes.of("leaf"), file());
        return top;
    }

    private RegularFile file() {
        if (rnd.nextInt(3) == 0) {
            byte[] content = new byte[INLINE_SIZES[rnd.nextInt(INLINE_SIZES.length)]];
            rnd.nextBytes(content);
            return RegularFile.inline(meta(0644), content);
        }
        long size = switch (rnd.nextInt(4)) {
            case 0 -> 1 + rnd.nextInt(4096);
            case 1 -> 4096L * (1 + rnd.nextInt(100));
            case 2 -> 1 + rnd.nextLong(1L << 34);
            default -> 65 + rnd.nextInt(1 << 20);
        };
        byte[] digest = new byte[32];
        rnd.nextBytes(digest);
        String hex = java.util.HexFormat.of().formatHex(digest);
        return RegularFile.external(meta(rnd.nextBoolean() ? 0644 : 04755), size,
                rnd.nextInt(5) == 0 ? null : hex.substring(0, 2) + "/" + hex.substring(2), rnd.nextInt(4) == 0 ? null : digest);
    }

    private byte[] name() {
        int len = switch (rnd.nextInt(6)) {
            case 0 -> 255;
            case 1 -> 1 + rnd.nextInt(255);
            default -> 1 + rnd.nextInt(12);
        };
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            int c;
            do {
                c = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(255) : 'a' + rnd.nextInt(26);
            } while (c == '/');
            b[i] = (byte) c;
        }
        if ((len == 1 && b[0] == '.') || (len == 2 && b[0] == '.' && b[1] == '.')) {
            b[0] = 'x';
        }
        return b;
    }

    private byte[] target() {
        int len = rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(4095) : 1 + rnd.nextInt(40);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + rnd.nextInt(255));
        }
        return b;
    }

    private Metadata meta(int perm) {
        List<Xattr> xattrs = new ArrayList<>();
        String[] names = kernelSafe
                ? new String[] {"user.a", "user.mime_type", "trusted.foo", "trusted.overlay.custom", "security.selinux", "user.overlay.x"}
                : new String[] {"user.a", "user.mime_type", "trusted.foo", "trusted.overlay.custom", "security.selinux",
                    "system.posix_acl_access", "system.posix_acl_default", "user.overlay.x", "system.other"};
        for (String n : names) {
            if (rnd.nextInt(4) == 0) {
                byte[] v = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextInt(3)];
                // Small value sets so that some xattrs repeat and land in the shared area.
                if (v.length > 0 && rnd.nextBoolean()) {
                    v = new byte[] {(byte) rnd.nextInt(3)};
                } else {
                    rnd.nextBytes(v);
                }
                xattrs.add(Xattr.of(n, v));
            }
        }
        long mtime = rnd.nextInt(3) == 0 ? 1_700_000_000L : 1_600_000_000L + rnd.nextInt(100_000_000);
        int nsec = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1_000_000_000);
        int uid = rnd.nextInt(4) == 0 ? 100_000 + rnd.nextInt(1000) : rnd.nextInt(3);
        return new Metadata(perm, uid, rnd.nextInt(3), mtime, nsec, 1, xattrs);
    }

    // ---- the ON_DISK profile ---------------------------------------------------------------

    private void fillOnDisk(Directory dir, int pathLength, int depth) {
        int n = depth == 0 ? 15 + rnd.nextInt(10) : rnd.nextInt(depth > 5 ? 4 : 14);
        for (int i = 0; i < n && budget > 0; i++, budget--) {
            byte[] name = name(pathLength);
            int childLength = pathLength + 1 + name.length;
            if (dir.get(name) != null) {
                if (depth == 0 && i < 15) { // another name: the root's first entries must all be there
                    i--;
                    budget++;
                }
                continue;
            }
            // the root gets one entry of every kind first (13: a file small enough to be inline in
            // the image, 14: one too large for that), so that every tree covers them all
            int kind = depth == 0 && i < 15 ? i : rnd.nextInt(22);
            switch (kind) {
                case 0, 1, 2 -> {
                    Directory sub = new Directory(diskMeta(true, false, false));
                    dir.add(name, sub);
                    if (childLength < MAX_DISK_PATH - 300) {
                        fillOnDisk(sub, childLength, depth + 1);
                    }
                }
                case 3 -> dir.add(name, deepOnDisk(childLength));
                case 4, 5 -> linkable(dir, name, new Symlink(diskMeta(false, true, false), diskTarget()));
                case 6, 7 -> linkable(dir, name, new Device(diskMeta(false, false, false), kind == 7,
                        Stat.makedev(rnd.nextInt(4096), rnd.nextInt(1 << 20))));
                case 8 -> dir.add(name, new Fifo(diskMeta(false, false, false)));
                case 9 -> dir.add(name, new Socket(diskMeta(false, false, false)));
                case 10, 11 -> {
                    if (linkable.isEmpty()) {
                        budget++;
                        continue;
                    }
                    dir.addHardlink(name, linkable.get(rnd.nextInt(linkable.size())));
                }
                case 12 -> dir.add(name, RegularFile.inline(diskMeta(false, false, true), new byte[0]));
                case 13 -> linkable(dir, name, RegularFile.inline(diskMeta(false, false, true), randomBytes(1 + rnd.nextInt(64))));
                case 14 -> linkable(dir, name, RegularFile.inline(diskMeta(false, false, true), randomBytes(65 + rnd.nextInt(8192))));
                default -> linkable(dir, name, RegularFile.inline(diskMeta(false, false, true), diskContent()));
            }
        }
    }

    private void linkable(Directory dir, byte[] name, Node node) {
        dir.add(name, node);
        linkable.add(node);
    }

    /** A chain of directories with long names down to a file, for paths of thousands of bytes. */
    private Directory deepOnDisk(int pathLength) {
        Directory top = new Directory(diskMeta(true, false, false));
        Directory cur = top;
        for (int level = 0; pathLength < MAX_DISK_PATH - 300 && level < 12; level++) {
            String part = "d" + level + "_";
            byte[] n = Bytes.of(part.repeat(Math.min(255 / part.length(), 20 + rnd.nextInt(60))));
            Directory next = new Directory(diskMeta(true, false, false));
            cur.add(n, next);
            cur = next;
            pathLength += 1 + n.length;
        }
        cur.add(Bytes.of("leaf"), RegularFile.inline(diskMeta(false, false, true), diskContent()));
        return top;
    }

    /** Owner, mode, xattrs and mtime as a real file system keeps them for an entry of this kind. */
    private Metadata diskMeta(boolean dir, boolean symlink, boolean regular) {
        int uid = rnd.nextInt(4) == 0 ? 100_000 + rnd.nextInt(1000) : rnd.nextInt(3);
        int gid = rnd.nextInt(3);
        int perm = 0777;
        if (!symlink) {
            int[] perms = dir ? new int[] {0755, 0700, 01777, 0555} : new int[] {0644, 0600, 0755, 04755, 02711, 0444, 0};
            perm = perms[rnd.nextInt(perms.length)];
        }
        List<Xattr> xattrs = new ArrayList<>();
        for (String x : DISK_XATTRS) {
            // the VFS allows user.* only on regular files and directories
            if (rnd.nextInt(4) == 0 && (dir || regular || !x.startsWith("user."))) {
                byte[] v = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextInt(4)];
                rnd.nextBytes(v);
                xattrs.add(Xattr.of(x, v));
            }
        }
        long mtime = rnd.nextInt(3) == 0 ? 1_700_000_000L : 1_000_000_000L + rnd.nextInt(800_000_000);
        int nsec = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1_000_000_000);
        return new Metadata(perm, uid, gid, mtime, nsec, 1, xattrs);
    }

    private byte[] diskContent() {
        if (!contents.isEmpty() && rnd.nextInt(15) == 0) {
            return contents.get(rnd.nextInt(contents.size()));
        }
        int size;
        if (rnd.nextInt(3) == 0) {
            size = rnd.nextInt(200_000);
        } else {
            size = DISK_SIZES[rnd.nextInt(DISK_SIZES.length)];
            if (size == 1 << 20 && bigFiles++ >= 2) {
                size = 65;
            }
        }
        byte[] b = randomBytes(size);
        if (size > 64) {
            contents.add(b);
        }
        return b;
    }

    private byte[] randomBytes(int size) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        return b;
    }

    private byte[] diskTarget() {
        int len = rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(1000) : 1 + rnd.nextInt(40);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + rnd.nextInt(255));
        }
        return b;
    }

    /** A name that keeps the path below {@link #MAX_DISK_PATH}. */
    private byte[] name(int parentLength) {
        byte[] b = name();
        int len = Math.max(1, Math.min(b.length, MAX_DISK_PATH - parentLength - 1));
        b = java.util.Arrays.copyOf(b, len);
        if ((len == 1 && b[0] == '.') || (len == 2 && b[0] == '.' && b[1] == '.')) {
            b[0] = 'x';
        }
        return b;
    }
}
