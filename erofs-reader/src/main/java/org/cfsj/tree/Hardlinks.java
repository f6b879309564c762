package org.cfsj.tree;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Decides which entry is each node's primary name: the first entry not marked as a hardlink in a
 * depth-first walk in name order, else (a node reachable only through hardlink entries) the
 * first hardlink entry. Dumpfile printers write the primary as a full line and the others as
 * {@code @} lines; the EROFS writer gives the node its inode number where the primary sits.
 */
public final class Hardlinks {
    private final IdentityHashMap<Node, String> primaryPath = new IdentityHashMap<>();
    private final IdentityHashMap<Node, Directory> primaryParent = new IdentityHashMap<>();
    private final IdentityHashMap<Node, byte[]> primaryName = new IdentityHashMap<>();

    private Hardlinks() {}

    /** Computes primaries for the tree under root (the root itself is its own primary, path "/"). */
    public static Hardlinks of(Directory root) {
        Hardlinks h = new Hardlinks();
        h.primaryPath.put(root, "/");
        h.walk(root, "", false);
        h.walk(root, "", true);
        return h;
    }

    // Pass 1 takes unmarked entries only; pass 2 gives nodes seen only through hardlinks a primary.
    private void walk(Directory dir, String path, boolean acceptLinks) {
        for (Map.Entry<byte[], Node> e : dir.entries().entrySet()) {
            Node child = e.getValue();
            String childPath = path + "/" + Bytes.str(e.getKey());
            if (!primaryPath.containsKey(child) && (acceptLinks || !dir.isHardlink(e.getKey()))) {
                primaryPath.put(child, childPath);
                primaryParent.put(child, dir);
                primaryName.put(child, e.getKey());
            }
            if (child instanceof Directory d && primaryParent.get(d) == dir) {
                walk(d, childPath, acceptLinks);
            }
        }
    }

    /** Whether {@code name} in {@code dir} is the primary entry of {@code node}. */
    public boolean isPrimary(Directory dir, byte[] name, Node node) {
        return primaryParent.get(node) == dir && java.util.Arrays.equals(primaryName.get(node), name);
    }

    /** The absolute path (ISO-8859-1) of a node's primary entry. */
    public String primaryPath(Node node) {
        return primaryPath.get(node);
    }
}
