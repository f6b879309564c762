package org.cfsj.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * Random trees that exercise the format: every file type, hardlinks, 255-byte names with odd
 * bytes, binary xattrs (including names composefs must escape), inline files at and around the
 * block and inline limits, external files with and without digests, empty and deep directories.
 */
public final class RandomTrees {
    /** Inline sizes around the tail-packing and block limits (C composefs caps inline at 5000). */
    public static final int[] INLINE_SIZES = {1, 2, 63, 64, 65, 2047, 2048, 2049, 4000, 4095, 4096, 4097, 5000};

    private final Random rnd;
    private final boolean kernelSafe;
    private final List<Node> linkable = new ArrayList<>();
    private int budget;

    /**
     * @param kernelSafe leave out what a raw kernel EROFS mount shows differently on purpose
     *                   (ACL xattrs, which the kernel parses)
     */
    public RandomTrees(long seed, boolean kernelSafe) {
        this.rnd = new Random(seed);
        this.kernelSafe = kernelSafe;
    }

    public Directory tree(int entries) {
        budget = entries;
        Directory root = new Directory(meta(0755));
        fill(root, 0);
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
}
