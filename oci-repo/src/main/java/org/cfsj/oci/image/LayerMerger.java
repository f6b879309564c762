package org.cfsj.oci.image;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.cfsj.oci.layer.LayerTree;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;

/**
 * Merges layer trees bottom-up into one filesystem tree with the OCI image-spec rules, plus the
 * clarifications of composefs-rs's doc/oci.md:
 * <ul>
 * <li>{@code .wh.NAME} removes NAME (and everything below it) from the layers beneath;
 * <li>{@code .wh..wh..opq} in a directory hides everything the layers beneath had in it;
 * <li>other {@code .wh..wh.*} names (aufs bookkeeping) are dropped; no whiteout file reaches the result;
 * <li>a directory present in several layers takes the metadata of the most-derived layer that
 *     lists it (a directory only implied by deeper paths does not count);
 * <li>after all layers: the root takes {@code /usr}'s metadata (if there is a {@code /usr});
 *     {@code /run} is emptied and takes {@code /usr}'s mtime; every non-directory's nlink is
 *     the number of names it has in the result.
 * </ul>
 * Layer trees are consumed: their nodes move into the result.
 */
public final class LayerMerger {
    static final byte[] WHITEOUT_PREFIX = Bytes.of(".wh.");
    static final byte[] AUFS_META_PREFIX = Bytes.of(".wh..wh.");
    static final byte[] OPAQUE = Bytes.of(".wh..wh..opq");

    private final Directory root = new Directory(new Metadata(0755, 0, 0, 0, 0, 1, List.of()));

    /** Applies the next layer (bottom first). */
    public LayerMerger apply(LayerTree layer) {
        // A worklist of (merged, layer) directory pairs rather than recursion, so that a layer's
        // depth is limited by memory only; each pair touches only its own merged directory, so
        // the order in which pairs are taken does not change the result.
        ArrayDeque<DirPair> todo = new ArrayDeque<>();
        todo.push(new DirPair(root, layer.root()));
        while (!todo.isEmpty()) {
            DirPair p = todo.pop();
            applyDir(p.dst(), p.src(), layer, todo);
        }
        return this;
    }

    /** A merged directory and the same directory in the layer being applied. */
    private record DirPair(Directory dst, Directory src) {}

    /** The merged tree with the final fix-ups applied. */
    public Directory finish() {
        if (root.get("usr") instanceof Directory usr) {
            root.setMeta(usr.meta());
            if (root.get("run") instanceof Directory run) {
                run.clear();
                Metadata m = run.meta();
                run.setMeta(new Metadata(m.permissions(), m.uid(), m.gid(), usr.meta().mtimeSec(),
                        usr.meta().mtimeNsec(), m.nlink(), m.xattrs()));
            }
        }
        fixLinkCounts(root);
        return root;
    }

    /** Applies one layer directory to its merged directory; its subdirectories go on {@code todo}. */
    private static void applyDir(Directory dst, Directory src, LayerTree layer, ArrayDeque<DirPair> todo) {
        if (!layer.implicitDirs().contains(src)) {
            dst.setMeta(src.meta());
        }
        if (src.get(OPAQUE) != null) {
            dst.clear();
        }
        // Whiteouts first: they act on the layers beneath, never on this layer's own entries.
        for (byte[] name : src.entries().keySet()) {
            if (Bytes.startsWith(name, WHITEOUT_PREFIX) && !Bytes.startsWith(name, AUFS_META_PREFIX)) {
                dst.remove(java.util.Arrays.copyOfRange(name, WHITEOUT_PREFIX.length, name.length));
            }
        }
        for (Map.Entry<byte[], Node> e : src.entries().entrySet()) {
            byte[] name = e.getKey();
            if (Bytes.startsWith(name, WHITEOUT_PREFIX)) {
                continue;
            }
            Node child = e.getValue();
            if (child instanceof Directory sd) {
                Node existing = dst.get(name);
                Directory dd;
                if (existing instanceof Directory d) {
                    dd = d;
                } else {
                    dd = new Directory(sd.meta());
                    dst.put(name, dd);
                }
                todo.push(new DirPair(dd, sd));
            } else if (src.isHardlink(name)) {
                dst.remove(name);
                dst.addHardlink(name, child);
            } else {
                dst.put(name, child);
            }
        }
    }

    /** Sets each non-directory's nlink to its number of names in the tree. */
    private static void fixLinkCounts(Directory root) {
        IdentityHashMap<Node, int[]> counts = new IdentityHashMap<>();
        List<Directory> stack = new ArrayList<>();
        stack.add(root);
        while (!stack.isEmpty()) {
            Directory d = stack.removeLast();
            for (Node n : d.entries().values()) {
                if (n instanceof Directory sub) {
                    stack.add(sub);
                } else {
                    counts.computeIfAbsent(n, k -> new int[1])[0]++;
                }
            }
        }
        counts.forEach((n, c) -> {
            if (n.meta().nlink() != c[0]) {
                n.setMeta(n.meta().withNlink(c[0]));
            }
        });
    }
}
