package org.cfsj.oci.layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.cfsj.repo.ObjectId;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;

/**
 * Builds one layer's tree from its members, with the checks that make a layer safe to use:
 * no path may leave the root ({@code ..}) or pass through a symlink or a non-directory, and a
 * hardlink must name an earlier member of the same layer that is not a directory. Paths may
 * start with {@code ./} or {@code /}. A later member with the same path replaces the earlier
 * one (a directory over a directory only updates its metadata), as extraction would. Every
 * name component and symlink target must be one an image can hold ({@link Limits}): 1 to 255
 * bytes without NUL, a target at most 4095 bytes without NUL; the error names the member.
 */
final class LayerTreeBuilder implements TarWalker.Visitor<ObjectId> {
    /** Metadata of a directory the tar only implies: what extraction would create (0755, root). */
    static final Metadata IMPLICIT_DIR = new Metadata(0755, 0, 0, 0, 0, 1, List.of());

    private final Directory root = new Directory(IMPLICIT_DIR);
    private final Set<Node> implicit = Collections.newSetFromMap(new IdentityHashMap<>());

    LayerTreeBuilder() {
        implicit.add(root);
    }

    LayerTree result() {
        return new LayerTree(root, implicit);
    }

    @Override
    public void member(TarEntry e, byte[] inline, ObjectId external) throws BadLayerException {
        List<byte[]> path = normalize(e.path(), e);
        long length = path.isEmpty() ? 0 : path.size() - 1;
        for (byte[] c : path) {
            String problem = Limits.nameProblem(c);
            if (problem != null) {
                throw bad(e, problem);
            }
            length += c.length;
        }
        if (length > Limits.PATH_MAX_BYTES) {
            throw bad(e, "path of " + length + " bytes (" + path.size() + " levels) is longer than "
                    + Limits.PATH_MAX_BYTES + " (PATH_MAX - 1)");
        }
        Metadata meta = new Metadata(e.mode(), e.uid(), e.gid(), e.mtime(), 0, 1, e.xattrs());
        if (path.isEmpty()) {
            if (e.kind() != TarEntry.Kind.DIRECTORY) {
                throw bad(e, "the root entry is not a directory");
            }
            root.setMeta(meta);
            implicit.remove(root);
            return;
        }
        Directory parent = parentOf(path, e);
        byte[] name = path.getLast();
        Node existing = parent.get(name);
        switch (e.kind()) {
            case DIRECTORY -> {
                if (existing instanceof Directory d) {
                    d.setMeta(meta);
                    implicit.remove(d);
                } else {
                    parent.put(name, new Directory(meta));
                }
            }
            case REGULAR -> {
                RegularFile f = external != null
                        ? RegularFile.external(meta, e.size(), external.objectPath(), external.bytes())
                        : RegularFile.inline(meta, inline);
                parent.put(name, f);
            }
            case SYMLINK -> {
                String problem = Limits.symlinkTargetProblem(e.linkName());
                if (problem != null) {
                    throw bad(e, problem);
                }
                parent.put(name, new Symlink(meta, e.linkName()));
            }
            case HARDLINK -> {
                Node target = lookup(normalize(e.linkName(), e));
                if (target == null) {
                    throw bad(e, "hardlink to " + Limits.show(e.linkName()) + ", which is not earlier in this layer");
                }
                if (target instanceof Directory) {
                    throw bad(e, "hardlink to a directory");
                }
                if (existing == target) {
                    return; // a link to itself: nothing changes
                }
                target.setMeta(target.meta().withNlink(target.meta().nlink() + 1));
                parent.remove(name);
                parent.addHardlink(name, target);
            }
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                long major = Integer.toUnsignedLong(e.devMajor());
                long minor = Integer.toUnsignedLong(e.devMinor());
                if (major > MAJOR_MAX || minor > MINOR_MAX) {
                    // The image would store a different device (EROFS keeps a 32-bit rdev).
                    throw bad(e, "device number " + major + ":" + minor + " does not exist on Linux (major at most "
                            + MAJOR_MAX + ", minor at most " + MINOR_MAX + ")");
                }
                parent.put(name, new Device(meta, e.kind() == TarEntry.Kind.BLOCK_DEVICE, makedev(major, minor)));
            }
            case FIFO -> parent.put(name, new Fifo(meta));
        }
    }

    /** Linux's dev_t: a 12-bit major and a 20-bit minor number (MINORBITS in linux/kdev_t.h). */
    private static final long MAJOR_MAX = 0xfff;
    private static final long MINOR_MAX = 0xfffff;

    /** glibc's makedev encoding of st_rdev. */
    static long makedev(long major, long minor) {
        major &= 0xffffffffL;
        minor &= 0xffffffffL;
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** Path components, without empty and "." ones; ".." may not climb above the root. */
    static List<byte[]> normalize(byte[] path, TarEntry e) throws BadLayerException {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                byte[] c = Arrays.copyOfRange(path, start, i);
                start = i + 1;
                if (c.length == 0 || (c.length == 1 && c[0] == '.')) {
                    continue;
                }
                if (c.length == 2 && c[0] == '.' && c[1] == '.') {
                    if (out.isEmpty()) {
                        throw bad(e, "path " + Limits.show(path) + " escapes the root");
                    }
                    out.removeLast();
                    continue;
                }
                out.add(c);
            }
        }
        return out;
    }

    private Directory parentOf(List<byte[]> path, TarEntry e) throws BadLayerException {
        Directory dir = root;
        for (int i = 0; i < path.size() - 1; i++) {
            Node n = dir.get(path.get(i));
            if (n == null) {
                Directory d = new Directory(IMPLICIT_DIR);
                implicit.add(d);
                dir.put(path.get(i), d);
                dir = d;
            } else if (n instanceof Directory d) {
                dir = d;
            } else if (n instanceof Symlink) {
                throw bad(e, "path passes through the symlink " + joined(path, i + 1));
            } else {
                throw bad(e, "path passes through " + joined(path, i + 1) + ", which is not a directory");
            }
        }
        return dir;
    }

    private Node lookup(List<byte[]> path) {
        Node n = root;
        for (byte[] c : path) {
            if (!(n instanceof Directory d)) {
                return null;
            }
            n = d.get(c);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    private static String joined(List<byte[]> path, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append('/').append(Bytes.str(path.get(i)));
        }
        return sb.toString();
    }

    private static BadLayerException bad(TarEntry e, String what) {
        return new BadLayerException("bad tar member " + Limits.show(e.path()) + " (at byte " + e.offset() + "): " + what);
    }
}
